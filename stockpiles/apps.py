from django.apps import AppConfig


class StockpilesConfig(AppConfig):
    name = "stockpiles"
