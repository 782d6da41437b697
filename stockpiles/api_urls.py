from django.urls import path

from stockpiles import apis

# "deficits" is a literal segment: it never clashes with <int:pk> (the int converter does not match it).
urlpatterns = [
    path("stockpiles", apis.StockpileListApi.as_view(), name="stockpile-list"),
    path("stockpiles/deficits", apis.StockpileDeficitListApi.as_view(), name="stockpile-deficits"),
    path("stockpiles/<int:pk>", apis.StockpileDetailApi.as_view(), name="stockpile-detail"),
    path("auto-production/runs", apis.AutoProductionRunListApi.as_view(), name="auto-production-run-list"),
    path("auto-production/runs/<int:pk>", apis.AutoProductionRunDetailApi.as_view(),
         name="auto-production-run-detail"),
]
