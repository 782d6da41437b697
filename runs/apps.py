from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "runs"

    def ready(self) -> None:
        """Plug the runs into the inventory pages, which never import runs (DESIGN §1): ledger rows
        of a run link to it, a product's page gets its production history, a spool's page its usage."""
        from django.urls import reverse

        from inventory.models import ItemType
        from inventory.references import register_reference
        from inventory.tabs import DetailTab, register_tab
        from runs.models import REFERENCE_RUN
        from runs.views.history import product_history_tab, spool_usage_tab

        register_reference(REFERENCE_RUN, lambda pk: reverse("runs:run-detail", args=[int(pk)]))
        register_tab("item", DetailTab(key="history", label="Production history", template="runs/_product_history.html",
                                       context=product_history_tab,
                                       applies=lambda item: item.kind == ItemType.Kind.PRODUCT))
        register_tab("spool", DetailTab(key="usage", label="Production usage", template="runs/_spool_usage.html",
                                        context=spool_usage_tab))
