"""The onboarding checklist of a farm still setting up (/): each step ticked when done, the
checklist gone when all are; the filament catalog import started from it, its progress polled."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from inventory.models import CatalogImport, ItemType
from tests.factories import LocationFactory, MaterialFactory, WorkstationFactory
from tests.support.pages import HTMX, page_html


def _step(html: str, name: str) -> str:
    return html.split(f'id="step-{name}"')[1].split("</li>")[0]


def test_an_empty_farm_sees_every_step_to_do_with_its_next_action(client_as, manager_user):
    html = page_html(client_as(manager_user).get("/"))

    assert "Getting started" in html and "0 of 4 done" in html
    assert "Import the filament catalog" in _step(html, "materials")
    assert "/inventory/locations/new/" in _step(html, "places") and "/inventory/workstations/new/" in _step(html, "places")
    assert 'href="/recipes/new/"' in _step(html, "recipe")
    assert "/inventory/spools/receive/" in _step(html, "spool")


def test_each_step_is_ticked_once_done(client_as, manager_user, tenant):
    MaterialFactory(tenant=tenant)
    room = LocationFactory(tenant=tenant)

    html = page_html(client_as(manager_user).get("/"))

    assert "1 of 4 done" in html
    assert 'aria-label="Done"' in _step(html, "materials")
    places = _step(html, "places")                  # a location but no printer yet: not done
    assert 'aria-label="To do"' in places and "Add a printer" in places and "Add a location" not in places

    WorkstationFactory(tenant=tenant, location=room)
    assert 'aria-label="Done"' in _step(page_html(client_as(manager_user).get("/")), "places")


def test_the_checklist_is_gone_once_every_step_is_done(client_as, manager_user, farm):
    response = client_as(manager_user).get("/")

    assert response.context["onboarding"] is None
    assert "Getting started" not in page_html(response)


def test_a_viewer_sees_the_checklist_without_buttons_and_cannot_start_an_import(client_as, viewer_user):
    client = client_as(viewer_user)

    html = page_html(client.get("/"))
    response = client.post("/onboarding/catalog-import/", headers=HTMX)

    assert "Getting started" in html and "<button" not in html.split('id="onboarding"')[1].split("</ul>")[0]
    assert "Add a recipe</a>" not in html and "Add a location</a>" not in html
    assert response.status_code == 403
    assert not CatalogImport.objects.exists()


def test_an_operator_cannot_start_an_import(client_as, operator_user):
    assert client_as(operator_user).post("/onboarding/catalog-import/", headers=HTMX).status_code == 403


def test_a_manager_starts_the_import_and_the_page_polls_its_progress(client_as, manager_user, tenant,
                                                                      django_capture_on_commit_callbacks,
                                                                      monkeypatch):
    sent = []
    monkeypatch.setattr("prodtrack.celery.app.send_task", lambda name, args: sent.append((name, args)))
    client = client_as(manager_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/onboarding/catalog-import/", headers=HTMX)

    started = CatalogImport.objects.get()
    assert response.status_code == 200 and started.tenant == tenant and started.status == "queued"
    assert sent == [("inventory.tasks.catalog_import", [started.pk])]     # sent once the transaction commits
    html = page_html(response)
    assert f'hx-get="/onboarding/catalog-import/{started.pk}/"' in html and 'hx-trigger="every 2s"' in html
    assert "Waiting for the background worker" in html


def test_a_second_import_is_refused_while_one_runs(client_as, manager_user, tenant):
    CatalogImport.objects.create(tenant=tenant, status="running", total=200, done=50)

    response = client_as(manager_user).post("/onboarding/catalog-import/", headers=HTMX)

    assert response.status_code == 409
    assert "already being imported" in page_html(response)
    assert CatalogImport.objects.count() == 1


def test_the_progress_shows_how_far_the_import_is_and_reloads_the_page_when_done(client_as, viewer_user, tenant):
    running = CatalogImport.objects.create(tenant=tenant, status="running", total=200, done=50)
    client = client_as(viewer_user)

    response = client.get(f"/onboarding/catalog-import/{running.pk}/", headers=HTMX)
    assert "50 of 200 filaments" in page_html(response) and 'data-width="25.0"' in page_html(response)
    assert "HX-Refresh" not in response.headers

    CatalogImport.objects.filter(pk=running.pk).update(status="done", done=200, created=200)
    response = client.get(f"/onboarding/catalog-import/{running.pk}/", headers=HTMX)
    assert "Catalog imported: 200 new filaments" in page_html(response)
    assert response.headers["HX-Refresh"] == "true"


def test_another_farms_import_is_not_found(client_as, viewer_user, other_tenant):
    theirs = CatalogImport.objects.create(tenant=other_tenant, status="running", total=10)

    assert client_as(viewer_user).get(f"/onboarding/catalog-import/{theirs.pk}/", headers=HTMX).status_code == 404


def test_a_failed_import_says_why_and_offers_to_try_again(client_as, manager_user, tenant):
    CatalogImport.objects.create(tenant=tenant, status="failed", message="The catalog folder is missing.")

    step = _step(page_html(client_as(manager_user).get("/")), "materials")

    assert "The last import failed: The catalog folder is missing." in step and "Import the filament catalog" in step
    assert not ItemType.objects.exists()


def test_an_import_without_a_count_yet_shows_a_moving_bar(client_as, viewer_user, tenant):
    running = CatalogImport.objects.create(tenant=tenant, status="running", total=2978, done=0)

    html = page_html(client_as(viewer_user).get(f"/onboarding/catalog-import/{running.pk}/", headers=HTMX))

    assert "progress-bar-animated" in html and "Importing 2,978 filaments…" in html


def test_an_import_lost_for_half_an_hour_no_longer_blocks_a_new_one(client_as, manager_user, tenant, monkeypatch):
    monkeypatch.setattr("prodtrack.celery.app.send_task", lambda *args, **kwargs: None)
    lost = CatalogImport.objects.create(tenant=tenant, status="running", total=200, done=50,
                                        created_at=timezone.now() - timedelta(minutes=31))

    response = client_as(manager_user).post("/onboarding/catalog-import/", headers=HTMX)

    lost.refresh_from_db()
    assert response.status_code == 200 and CatalogImport.objects.filter(status="queued").count() == 1
    assert lost.status == "failed" and "did not finish" in lost.message
