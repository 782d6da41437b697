"""Printers pages (``printers`` namespace)."""
from django.urls import path

from printers import views

app_name = "printers"
urlpatterns = [
    path("printers/", views.printer_board, name="board"),
    path("printers/<int:pk>/token/", views.printer_token_create, name="token-create"),
    path("printers/tokens/<int:pk>/revoke/", views.printer_token_revoke, name="token-revoke"),
    path("printers/usage/<int:pk>/attribute/", views.usage_session_attribute, name="usage-attribute"),
    path("printers/usage/<int:pk>/record/", views.usage_session_record_run, name="usage-record"),
]
