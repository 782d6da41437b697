from django.apps import AppConfig


class ProdtrackConfig(AppConfig):
    name = "prodtrack"
    verbose_name = "prodtrack core"
