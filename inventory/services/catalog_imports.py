"""The filament catalog import started from the pages: queued here, run by a Celery task
(``inventory.tasks.catalog_import``), its progress written as it goes so a page can show a bar."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from inventory.catalog import DEFAULT_CATALOG_DIR, read_catalog
from inventory.errors import CatalogImportRunningError
from inventory.models import CatalogImport
from inventory.services.item_types import item_type_catalog_import
from prodtrack.celery import app as celery_app
from prodtrack.exceptions import ApplicationError
from prodtrack.models import Tenant, User

#: The Celery task that runs an import (``inventory.tasks``, sent by name: tasks sit above services).
CATALOG_IMPORT_TASK = "inventory.tasks.catalog_import"
#: An import waiting or running longer than this is taken for lost (the whole catalog takes seconds).
STALE_AFTER = timedelta(minutes=30)


@transaction.atomic
def catalog_import_start(*, tenant: Tenant, by: User) -> CatalogImport:
    """Queue an import of the shipped filament catalog into ``tenant``; the Celery task is sent
    when the transaction commits. Raises CatalogImportRunningError (409) while another import of
    the tenant is waiting or running (the tenant row is locked so two clicks queue one import);
    one started more than ``STALE_AFTER`` ago is marked failed instead (a worker that died)."""
    Tenant.objects.select_for_update().get(pk=tenant.pk)
    active = CatalogImport.objects.for_tenant(tenant).filter(
        status__in=[CatalogImport.Status.QUEUED, CatalogImport.Status.RUNNING])
    now = timezone.now()
    active.filter(created_at__lt=now - STALE_AFTER).update(
        status=CatalogImport.Status.FAILED, finished_at=now,
        message="Stopped: the background worker did not finish it within 30 minutes.")
    if active.exists():
        raise CatalogImportRunningError("The filament catalog is already being imported; wait for it to finish.")
    run = CatalogImport.objects.create(tenant=tenant, started_by=by)
    transaction.on_commit(lambda: celery_app.send_task(CATALOG_IMPORT_TASK, args=[run.pk]))
    return run


def catalog_import_run(*, catalog_import_id: int, root: Path | str = DEFAULT_CATALOG_DIR) -> CatalogImport:
    """Run a queued import: read the catalog at ``root``, import it with
    ``item_type_catalog_import`` (one transaction) and record the outcome. ``done``/``total``
    (catalog entries) are written as batches finish, from a second connection so that other
    requests see them before the import commits (PostgreSQL; on SQLite the bar jumps at the end).
    Never raises for a bad catalog: the import is marked failed with the error's message."""
    run = CatalogImport.objects.select_related("tenant").get(pk=catalog_import_id)
    if run.status != CatalogImport.Status.QUEUED:
        return run
    try:
        entries = read_catalog(root)
    except ApplicationError as error:
        return _finish(run, status=CatalogImport.Status.FAILED, message=error.message)
    run.status, run.total, run.done = CatalogImport.Status.RUNNING, len(entries), 0
    run.save(update_fields=["status", "total", "done"])
    with _progress_writer(run) as progress:
        try:
            result = item_type_catalog_import(tenant=run.tenant, entries=entries, progress=progress)
        except ApplicationError as error:
            return _finish(run, status=CatalogImport.Status.FAILED, message=error.message)
    run.created, run.updated, run.done = result.created, result.updated, run.total
    return _finish(run, status=CatalogImport.Status.DONE)


def _finish(run: CatalogImport, *, status: str, message: str = "") -> CatalogImport:
    run.status, run.message, run.finished_at = status, message[:500], timezone.now()
    run.save(update_fields=["status", "message", "finished_at", "created", "updated", "done"])
    return run


class _progress_writer:
    """A ``progress(n)`` callback adding ``n`` to the import's ``done`` through its own autocommit
    connection (PostgreSQL only: SQLite allows one writer); a failed write only loses progress."""

    def __init__(self, run: CatalogImport) -> None:
        self.run = run
        self.connection = None
        if connections["default"].vendor == "postgresql":
            self.connection = connections.create_connection("default")

    def __enter__(self) -> Callable[[int], None]:
        return self.add

    def __exit__(self, *exc) -> None:
        if self.connection is not None:
            self.connection.close()

    def add(self, n: int) -> None:
        self.run.done = min(self.run.total, self.run.done + n)
        if self.connection is None:
            return
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(f"UPDATE {CatalogImport._meta.db_table} SET done = %s WHERE id = %s",
                               [self.run.done, self.run.pk])
        except DatabaseError:
            pass
