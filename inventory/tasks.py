"""Celery tasks of the inventory app: each calls one service."""
from __future__ import annotations

from celery import shared_task

from inventory.services.catalog_imports import catalog_import_run


@shared_task(name="inventory.tasks.catalog_import", ignore_result=False)
def catalog_import(catalog_import_id: int) -> dict:
    """Import the filament catalog for a queued ``CatalogImport``; returns its ``status`` and the
    ``created`` and ``updated`` item type counts."""
    run = catalog_import_run(catalog_import_id=catalog_import_id)
    return {"status": run.status, "created": run.created, "updated": run.updated}
