"""Spoolman's API v1 paths, exactly as its clients call them (no trailing slash, no redirect),
under ``/spoolman/<token>/api/v1/``."""
from django.urls import path, re_path

from printers import apis

urlpatterns = [
    path("info", apis.InfoApi.as_view()),
    path("health", apis.HealthApi.as_view()),
    path("spool", apis.SpoolListApi.as_view()),
    path("spool/group", apis.SpoolGroupApi.as_view()),
    path("spool/field/<str:field>", apis.SpoolFieldRenameApi.as_view()),
    path("spool/<int:spool_id>", apis.SpoolDetailApi.as_view()),
    path("spool/<int:spool_id>/use", apis.SpoolUseApi.as_view()),
    path("spool/<int:spool_id>/measure", apis.SpoolMeasureApi.as_view()),
    path("filament", apis.FilamentListApi.as_view()),
    path("filament/<int:filament_id>", apis.FilamentDetailApi.as_view()),
    path("vendor", apis.VendorListApi.as_view()),
    path("vendor/<int:vendor_id>", apis.VendorDetailApi.as_view()),
    path("material", apis.MaterialApi.as_view()),
    path("article-number", apis.ArticleNumberApi.as_view()),
    path("lot-number", apis.LotNumberApi.as_view()),
    path("location", apis.LocationApi.as_view()),
    path("location/<str:location>", apis.LocationRenameApi.as_view()),
    path("external/filament", apis.ExternalFilamentApi.as_view()),
    path("external/filament/search", apis.ExternalFilamentSearchApi.as_view()),
    path("external/material", apis.ExternalMaterialApi.as_view()),
    re_path(r"^export/(?P<what>spools|filaments|vendors)$", apis.ExportApi.as_view()),
    path("search", apis.SearchApi.as_view()),
    path("setting/", apis.SettingListApi.as_view()),
    path("setting/<str:key>", apis.SettingDetailApi.as_view()),
    path("field/<str:entity_type>", apis.FieldListApi.as_view()),
    path("field/<str:entity_type>/<str:key>", apis.FieldDetailApi.as_view()),
    path("field/<str:entity_type>/<str:key>/values", apis.FieldValuesApi.as_view()),
    path("backup", apis.BackupApi.as_view()),
    re_path(r"^(?P<rest>.*)$", apis.UnknownApi.as_view()),
]
