from django.urls import path

from runs import apis

urlpatterns = [
    path("production-runs", apis.ProductionRunListApi.as_view(), name="production-run-list"),
    # A literal segment; it never clashes with <int:pk> (the int converter does not match it).
    path("production-runs/variance-report", apis.VarianceReportApi.as_view(), name="production-run-variance-report"),
    path("production-runs/<int:pk>", apis.ProductionRunDetailApi.as_view(), name="production-run-detail"),
    path("production-runs/<int:pk>/complete", apis.ProductionRunCompleteApi.as_view(), name="production-run-complete"),
    path("production-runs/<int:pk>/fail", apis.ProductionRunFailApi.as_view(), name="production-run-fail"),
    path("production-runs/<int:pk>/cancel", apis.ProductionRunCancelApi.as_view(), name="production-run-cancel"),
    path("production-runs/<int:pk>/reprint", apis.ProductionRunReprintApi.as_view(), name="production-run-reprint"),
    path("production-runs/<int:pk>/items", apis.RunItemListApi.as_view(), name="production-run-item-list"),
    path("production-runs/<int:pk>/items/<int:item_id>", apis.RunItemDetailApi.as_view(),
         name="production-run-item-detail"),
    path("production-runs/<int:pk>/materials", apis.RunMaterialListApi.as_view(),
         name="production-run-material-list"),
    path("production-runs/<int:pk>/materials/<int:material_id>", apis.RunMaterialDetailApi.as_view(),
         name="production-run-material-detail"),
    path("products/<int:pk>/production-history", apis.ProductProductionHistoryApi.as_view(),
         name="product-production-history"),
    path("gcode/estimates", apis.GcodeEstimateApi.as_view(), name="gcode-estimate"),
    path("jobs/<int:pk>/start", apis.JobStartApi.as_view(), name="job-start"),
    path("spools/<int:pk>/production-usage", apis.SpoolProductionUsageApi.as_view(), name="spool-production-usage"),
]
