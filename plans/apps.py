from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"

    def ready(self) -> None:
        """A product's item page gets a "Recipe" tab (inventory never imports plans, DESIGN §1)."""
        from inventory.models import ItemType
        from inventory.tabs import DetailTab, register_tab
        from plans.recipe_views import product_recipes_tab

        register_tab("item", DetailTab(key="recipe", label="Recipe", template="plans/_product_recipes.html",
                                       context=product_recipes_tab,
                                       applies=lambda item: item.kind == ItemType.Kind.PRODUCT))
