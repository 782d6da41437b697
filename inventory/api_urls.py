from django.urls import path

from inventory import apis

urlpatterns = [
    path("item-types", apis.ItemTypeListApi.as_view(), name="item-type-list"),
    path("item-types/<int:pk>", apis.ItemTypeDetailApi.as_view(), name="item-type-detail"),
    path("locations", apis.LocationListApi.as_view(), name="location-list"),
    path("locations/<int:pk>", apis.LocationDetailApi.as_view(), name="location-detail"),
    path("workstations", apis.WorkstationListApi.as_view(), name="workstation-list"),
    path("workstations/<int:pk>", apis.WorkstationDetailApi.as_view(), name="workstation-detail"),
    path("spools", apis.SpoolListApi.as_view(), name="spool-list"),
    path("spools/<int:pk>", apis.SpoolDetailApi.as_view(), name="spool-detail"),
    path("spools/<int:pk>/adjust", apis.SpoolAdjustApi.as_view(), name="spool-adjust"),
    path("spools/<int:pk>/archive", apis.SpoolArchiveApi.as_view(), name="spool-archive"),
    path("spools/<int:pk>/mark-empty", apis.SpoolMarkEmptyApi.as_view(), name="spool-mark-empty"),
    path("transactions", apis.TransactionListApi.as_view(), name="transaction-list"),
    path("transactions/<int:pk>", apis.TransactionDetailApi.as_view(), name="transaction-detail"),
    path("transactions/<int:pk>/reverse", apis.TransactionReverseApi.as_view(), name="transaction-reverse"),
    path("stock", apis.StockListApi.as_view(), name="stock-list"),
    path("stock/adjust", apis.StockAdjustApi.as_view(), name="stock-adjust"),
    path("stock/transfer", apis.StockTransferApi.as_view(), name="stock-transfer"),
    path("stock/ship", apis.StockShipApi.as_view(), name="stock-ship"),
]
