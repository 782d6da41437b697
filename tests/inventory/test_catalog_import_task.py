"""The filament catalog import started from the dashboard runs as a Celery task on a real worker
(through Redis) and writes its progress where other requests see it while the import runs."""
from __future__ import annotations

import pytest
from django.db import connections

from inventory.models import CatalogImport, ItemType
from inventory.services import catalog_imports as module
from inventory.tasks import catalog_import
from tests.support.celery_worker import process_queue, worker_on_redis

QUEUE = process_queue("inventory")


@pytest.fixture
def redis_worker():
    """A worker thread consuming this process's queue on Redis, with results stored in Redis."""
    with worker_on_redis(QUEUE):
        yield


def _seen_from_another_connection(pk: int) -> tuple[str, int, int]:
    """The import's (status, done, total) as another request would read it now."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT status, done, total FROM inventory_catalogimport WHERE id = %s", [pk])
            return cursor.fetchone()
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
def test_the_import_task_creates_the_catalog_and_shows_its_progress_while_running(tenant, manager_user,
                                                                                  redis_worker, monkeypatch):
    started = CatalogImport.objects.create(tenant=tenant, started_by=manager_user)   # as the dashboard queues it
    seen = []
    real_import = module.item_type_catalog_import

    def watched(*, tenant, entries, progress):
        def report(n):
            progress(n)
            seen.append(_seen_from_another_connection(started.pk))
        return real_import(tenant=tenant, entries=entries, progress=report)
    monkeypatch.setattr(module, "item_type_catalog_import", watched)

    outcome = catalog_import.apply_async((started.pk,), queue=QUEUE).get(timeout=120)

    finished = CatalogImport.objects.get(pk=started.pk)
    materials = ItemType.objects.filter(tenant=tenant, kind=ItemType.Kind.MATERIAL).count()
    assert outcome == {"status": "done", "created": materials, "updated": 0}
    assert finished.status == "done" and finished.done == finished.total == materials > 1000
    assert len(seen) > 1                                          # one report per batch of 500
    assert all(status == "running" for status, _, _ in seen)
    assert [done for _, done, _ in seen] == sorted({done for _, done, _ in seen})   # rising, visible mid-import
    assert seen[0][1] < seen[0][2] and seen[-1][1] == seen[-1][2]


def test_an_unreadable_catalog_marks_the_import_failed_with_the_reason(tenant, manager_user, tmp_path):
    started = CatalogImport.objects.create(tenant=tenant, started_by=manager_user)

    failed = module.catalog_import_run(catalog_import_id=started.pk, root=tmp_path)

    assert failed.status == "failed" and failed.message and failed.finished_at
    assert not ItemType.objects.filter(tenant=tenant).exists()
