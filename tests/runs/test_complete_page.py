"""The complete form (/runs/<id>/complete/) and its live variance preview: defaults, the three
ways to record a material, errors kept on the form (on the row the service names), a spool that
holds too little, runs no longer in progress, roles, tenants, a preview that writes nothing, and
query counts that do not grow with the number of materials."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import InventoryTransaction
from runs import services
from runs.models import ProductionRun
from runs.services import ItemSpec, MaterialActual, MaterialSpec
from tests.factories import MaterialFactory, receive_spool
from tests.support.pages import HTMX, page_html


def url(run) -> str:
    return f"/runs/{run.pk}/complete/"


def preview_url(run) -> str:
    return f"/runs/{run.pk}/complete/preview/"


def _form(run, materials: dict | None = None, items: dict | None = None, **fields) -> dict:
    """The complete form as posted: each material at its estimate and every piece successful,
    unless ``materials`` / ``items`` say otherwise by row index (``{0: {"mode": "weigh", …}}``)."""
    data = {}
    for index, material in enumerate(run.materials.order_by("pk")):
        row = {"mode": "estimate", "actual_purge_g": str(material.estimated_purge_g), **(materials or {}).get(index, {})}
        data.update({f"material-{material.pk}-{name}": value for name, value in row.items()})
    for index, item in enumerate(run.items.order_by("pk")):
        row = {"successful_quantity": item.quantity, "failed_quantity": 0, "waste_reason": "",
               **(items or {}).get(index, {})}
        data.update({f"item-{item.pk}-{name}": value for name, value in row.items()})
    return {**data, **fields}


def _result(html: str, material) -> str:
    """The text of a material's result (its computed actual, variance, or errors)."""
    start = html.index(f'id="material-{material.pk}-result"')
    return html[start:html.index("</div>", start)]


def _ledger_sum(spool) -> D:
    return InventoryTransaction.objects.filter(spool=spool).aggregate(total=Sum("quantity"))["total"]


def _nothing_written(run) -> None:
    run.refresh_from_db()
    assert run.status == ProductionRun.Status.IN_PROGRESS and run.actual_weight_g is None
    assert not InventoryTransaction.objects.filter(reference_type="production_run").exists()
    assert not run.materials.filter(actual_weight_g__isnull=False).exists()


# --- the form -------------------------------------------------------------------------------------

def test_the_form_opens_with_every_material_at_its_estimate_and_every_piece_successful(operator_client, make_run):
    run = make_run(quantity=8, purge="5")      # 240 g PLA + 5 g purge, 40 g PETG

    response = operator_client.get(url(run))
    html = page_html(response)

    assert response.status_code == 200
    form = response.context["form"]
    assert [row["mode"].value() for row in form.material_forms] == ["estimate", "estimate"]
    assert [row["actual_purge_g"].value() for row in form.material_forms] == [D("5.00"), D("0.00")]
    assert form.item_forms[0]["successful_quantity"].value() == 8 and form.item_forms[0]["failed_quantity"].value() == 0
    assert "Galaxy Black PLA" in html and "Jet Black PETG" in html and "holds 1,000 g" in html
    assert html.count('value="estimate" class="btn-check mode-choice"') == 2 and "Weigh spool" in html
    assert f'hx-post="/runs/{run.pk}/complete/preview/"' in html and 'hx-sync="this:replace"' in html
    preview = response.context["preview"]
    assert preview.total.estimated == D("285.00") and preview.total.actual == D("285.00") and preview.total.pct == 0
    assert 'id="variance-warning"' not in html and "Complete run" in html
    assert 'name="quality_rating"' in html and 'aria-label="Colour: Galaxy Black"' in html


def test_estimate_scale_and_grams_complete_the_run_and_move_each_spool_by_exactly_its_grams(
        operator_client, farm, tenant, admin_user):
    silk = MaterialFactory(tenant=tenant, name="Silk Red PLA", color_hex="#C0392B")
    silk_spool = receive_spool(tenant=tenant, by=admin_user, material=silk, location=farm.room, grams="1000")
    run = services.production_run_create(
        tenant=tenant, by=admin_user, workstation=farm.printer, items=[ItemSpec(product=farm.stand, quantity=8)],
        materials=[MaterialSpec(spool=farm.pla_spool, estimated_purge_g=D("5")), MaterialSpec(spool=farm.petg_spool),
                   MaterialSpec(spool=silk_spool, estimated_weight_g=D("30"))])   # 245 + 40 + 30 = 315 g estimated

    response = operator_client.post(url(run), _form(run, materials={
        1: {"mode": "weigh", "weight_before_g": "1212.5", "weight_after_g": "1170"},   # the spool gave 42.5 g
        2: {"mode": "grams", "actual_weight_g": "34"},                                   # +13.3 %: over
    }, quality_rating="5", quality_notes="Clean", completion_notes="Batch for Etsy"))

    assert response.status_code == 302 and response["Location"] == f"/runs/{run.pk}/"
    html = page_html(operator_client.get(response["Location"]))
    assert (f"Run {run.run_number} completed: 321.5 g used, +2.1 % vs estimate; 1 material more than 10 % off."
            in html)
    run.refresh_from_db()
    assert run.status == ProductionRun.Status.COMPLETED and run.quality_rating == 5
    assert run.quality_notes == "Clean" and run.completion_notes == "Batch for Etsy"
    for spool, used in ((farm.pla_spool, D("245")), (farm.petg_spool, D("42.5")), (silk_spool, D("34"))):
        spool.refresh_from_db()
        assert spool.current_weight_g == D("1000") - used
        assert _ledger_sum(spool) == spool.current_weight_g
        assert InventoryTransaction.objects.get(spool=spool, transaction_type="usage").quantity == -used
    petg = run.materials.get(spool=farm.petg_spool)
    assert (petg.weight_before_g, petg.weight_after_g, petg.actual_weight_g) == (D("1212.5"), D("1170"), D("42.5"))
    assert run.items.get().successful_quantity == 8


# --- errors keep the input --------------------------------------------------------------------------

def test_a_weight_after_above_the_weight_before_stays_on_its_row(operator_client, make_run):
    run = make_run(quantity=8)
    pla = run.materials.order_by("pk").first()

    response = operator_client.post(url(run), _form(run, materials={
        0: {"mode": "weigh", "weight_before_g": "900", "weight_after_g": "1000"}}, quality_notes="Stringy"))
    html = page_html(response)

    assert response.status_code == 400
    assert _result(html, pla).count("Weight after is more than the weight before.") == 1
    assert 'value="900"' in html and 'value="1000"' in html and "Stringy" in html
    assert f'value="weigh" class="btn-check mode-choice" id="id_material-{pla.pk}-mode_1" required checked' in html
    assert "The run is not completed yet" in html
    _nothing_written(run)


def test_missing_weights_are_asked_for(operator_client, make_run):
    run = make_run(quantity=8)
    pla, petg = run.materials.order_by("pk")

    response = operator_client.post(url(run), _form(run, materials={
        0: {"mode": "weigh", "weight_before_g": "1180"}, 1: {"mode": "grams"}}))
    html = page_html(response)

    assert response.status_code == 400
    assert "Weight after is needed." in _result(html, pla) and 'value="1180"' in html
    assert "Grams used is needed." in _result(html, petg)
    _nothing_written(run)


def test_more_pieces_than_planned_are_refused_on_the_item_row(operator_client, make_run):
    run = make_run(quantity=8)

    response = operator_client.post(url(run), _form(run, items={
        0: {"successful_quantity": "8", "failed_quantity": "1", "waste_reason": "Warped corner"}}))
    html = page_html(response)

    assert response.status_code == 400
    assert "Failed pieces: successful (8) + failed (1) is more than the 8 planned." in html
    assert 'value="Warped corner"' in html and f'name="item-{run.items.get().pk}-failed_quantity" value="1"' in html
    _nothing_written(run)


def test_failed_pieces_need_a_waste_reason(operator_client, make_run):
    run = make_run(quantity=8)

    response = operator_client.post(url(run), _form(
        run, items={0: {"successful_quantity": "6", "failed_quantity": "2"}}))
    html = page_html(response)

    assert response.status_code == 400 and "Say why the pieces failed." in html
    assert "data-waste-reason hidden" not in html     # the reason's field shows
    _nothing_written(run)


def test_a_rating_outside_one_to_five_stars_is_refused(operator_client, make_run):
    run = make_run(quantity=8)

    response = operator_client.post(url(run), _form(run, quality_rating="6", completion_notes="Done early"))

    assert response.status_code == 400
    assert "Choose from 1 to 5 stars." in page_html(response) and "Done early" in page_html(response)
    _nothing_written(run)


def test_a_spool_holding_too_little_answers_409_on_its_row(operator_client, make_run, farm):
    run = make_run(quantity=8)
    pla = run.materials.order_by("pk").first()

    response = operator_client.post(url(run), _form(run, materials={0: {"mode": "grams", "actual_weight_g": "1200"}}))
    html = page_html(response)

    assert response.status_code == 409
    message = f"Spool #{farm.pla_spool.pk} holds 1000.00 g; this needs 1200.00 g (200.00 g short)."
    assert message in _result(html, pla) and html.count(message) == 2      # on its row and on top
    assert 'value="1200"' in html
    _nothing_written(run)


# --- refusals -----------------------------------------------------------------------------------------

def test_a_run_no_longer_in_progress_is_refused(operator_client, make_run, admin_user):
    run = make_run(quantity=8)
    services.production_run_complete(run=run, by=admin_user, materials=[
        MaterialActual(material_id=m.pk, use_estimate=True) for m in run.materials.all()])
    rows = InventoryTransaction.objects.count()

    page = operator_client.get(url(run))
    posted = operator_client.post(url(run), _form(run))
    preview = operator_client.post(preview_url(run), _form(run), headers=HTMX)

    assert page.status_code == posted.status_code == preview.status_code == 409
    message = f"Run {run.run_number} is completed: only runs in progress can be completed."
    assert message in page_html(page) and message in page_html(posted) and message in page_html(preview)
    assert f'href="/runs/{run.pk}/"' in page_html(page) and 'id="complete-form"' not in page_html(page)
    assert InventoryTransaction.objects.count() == rows


def test_a_viewer_can_neither_open_nor_post_the_form(client_as, viewer_user, make_run):
    run = make_run(quantity=8)
    viewer = client_as(viewer_user)

    assert viewer.get(url(run)).status_code == 403
    assert viewer.post(url(run), _form(run)).status_code == 403
    assert viewer.post(preview_url(run), _form(run), headers=HTMX).status_code == 403
    _nothing_written(run)


def test_another_tenants_run_is_a_404(client_as, other_admin, make_run):
    run = make_run(quantity=8)
    other = client_as(other_admin)

    for response in (other.get(url(run)), other.post(url(run), _form(run)),
                     other.post(preview_url(run), _form(run), headers=HTMX)):
        assert response.status_code == 404 and run.run_number not in page_html(response)
    _nothing_written(run)


# --- the live preview -----------------------------------------------------------------------------------

def test_the_preview_computes_each_material_and_the_total_and_writes_nothing(operator_client, make_run):
    run = make_run(quantity=8, purge="5")      # 245 g PLA with purge, 40 g PETG
    pla, petg = run.materials.order_by("pk")

    response = operator_client.post(preview_url(run), _form(run, materials={
        0: {"mode": "weigh", "weight_before_g": "1300", "weight_after_g": "1000"},   # gave 300 g: 295 + 5 purge
        1: {"mode": "grams", "actual_weight_g": "40"}}), headers=HTMX)
    html = page_html(response)

    assert response.status_code == 200 and "<html" not in html
    first, second = response.context["preview"].materials
    assert (first.material.actual_weight_g, first.total.actual, first.total.difference, first.total.pct) == (
        D("295"), D("300"), D("55"), D("22.4"))
    assert (second.total.actual, second.total.pct, second.is_off) == (D("40"), D("0.0"), False)
    assert response.context["preview"].total.pct == D("19.3")            # 340 g vs 285 g
    row = html[html.index(f'id="preview-material-{pla.pk}"'):]
    assert row.startswith(f'id="preview-material-{pla.pk}" class="table-danger"') and "+55.0 g" in row
    assert f'id="preview-material-{petg.pk}" class=""' in html
    assert "1 material is more than 10&nbsp;% off its estimate — check the weights before completing." in html
    result = _result(html, pla)
    assert 'hx-swap-oob="true"' in result and "The spool gave" in result and "300.0 g" in result
    assert "295.0 g printed + 5.0 g purge" in result and "+22.4 %" in result
    assert 'id="complete-preview-status" hx-swap-oob="innerHTML">Total 340.0 g, +19.3 %.' in html
    _nothing_written(run)


def test_the_warning_counts_every_material_off_either_way(operator_client, make_run):
    run = make_run(quantity=8)

    html = page_html(operator_client.post(preview_url(run), _form(run, materials={
        0: {"mode": "grams", "actual_weight_g": "300"}, 1: {"mode": "grams", "actual_weight_g": "20"}}), headers=HTMX))

    assert "2 materials are more than 10&nbsp;% off their estimate — check the weights before completing." in html
    assert "table-danger" in html and "table-success" in html


def test_invalid_preview_inputs_show_in_their_row_and_blanks_are_waited_for(operator_client, make_run):
    run = make_run(quantity=8)
    pla, petg = run.materials.order_by("pk")

    response = operator_client.post(preview_url(run), _form(run, materials={
        0: {"mode": "weigh", "weight_before_g": "900", "weight_after_g": "1000"},
        1: {"mode": "grams", "actual_weight_g": "40", "actual_purge_g": "-2"}}), headers=HTMX)
    html = page_html(response)

    assert response.status_code == 400
    assert "Weight after is more than the weight before." in _result(html, pla)
    assert "Purge must be 0 or more." in _result(html, petg)
    assert response.context["preview"].total.actual is None

    waiting = operator_client.post(preview_url(run), _form(run, materials={
        0: {"mode": "weigh", "weight_before_g": "1180"}}), headers=HTMX)
    assert waiting.status_code == 200
    assert "Type the weight before and after printing" in _result(page_html(waiting), pla)
    assert "Waiting for 1 material" in page_html(waiting)
    _nothing_written(run)


# --- query counts ------------------------------------------------------------------------------------

def _run_with_spools(farm, tenant, admin_user, n):
    spools = [receive_spool(tenant=tenant, by=admin_user, material=farm.pla, location=farm.room, grams="1000")
              for _ in range(n)]
    return services.production_run_create(
        tenant=tenant, by=admin_user, workstation=farm.printer, items=[ItemSpec(product=farm.stand, quantity=4)],
        materials=[MaterialSpec(spool=spool, estimated_weight_g=D("10")) for spool in spools])


def _weighed(run) -> dict:
    """The first material weighed, the others in grams."""
    count = run.materials.count()
    return {0: {"mode": "weigh", "weight_before_g": "1180", "weight_after_g": "1168"},
            **{index: {"mode": "grams", "actual_weight_g": "11"} for index in range(1, count)}}


# Pinned queries: session, user, memberships (3) + run with workstation and location, materials
# with spools, items with products (3) + the products' recipes and their inputs (2); a run whose
# recipes take parts reads their stock too (1 more).
GET_QUERIES = 3 + 3 + 2
# The preview: the session's 3 + run, materials (2). Nothing else: the rule runs in memory.
PREVIEW_QUERIES = 3 + 2
# Completing: the form's 8 + production_run_complete: 2 savepoints and their releases (4), run
# lock, spool locks (printers' reports wait), materials, items, recipes and their inputs (6), spool lock, ledger insert, balance insert +
# lock + update, spools update (6), actuals, outcomes, run status (3), totals write (1; it reads
# nothing: the service hands it the materials and parts it holds).
POST_QUERIES = 8 + 4 + 6 + 6 + 3 + 1


@pytest.mark.parametrize("method", ["get", "preview", "post"])
def test_the_query_counts_are_the_same_for_1_and_for_5_materials(operator_client, farm, tenant, admin_user, method):
    expected = {"get": GET_QUERIES, "preview": PREVIEW_QUERIES, "post": POST_QUERIES}[method]
    counts = []
    for n in (1, 5):
        run = _run_with_spools(farm, tenant, admin_user, n)
        data = _form(run, materials=_weighed(run))
        with CaptureQueriesContext(connection) as queries:
            if method == "get":
                response = operator_client.get(url(run))
            elif method == "preview":
                response = operator_client.post(preview_url(run), data, headers=HTMX)
            else:
                response = operator_client.post(url(run), data)
        assert response.status_code == (302 if method == "post" else 200), page_html(response)[:2000]
        counts.append(len(queries))
    assert counts == [expected, expected], [q["sql"][:120] for q in queries.captured_queries]


# --- when the print finished; the scale reads gross ---------------------------------------------------

def _local_minute(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%dT%H:%M}"


def test_the_finish_time_opens_at_now_and_a_past_one_sets_the_duration(operator_client, make_run):
    started = (timezone.now() - timedelta(hours=9)).replace(second=0, microsecond=0)
    run = make_run(quantity=8, started_at=started)                          # 2 plates × 2 h: 4 h estimated
    html = page_html(operator_client.get(url(run)))
    assert f'value="{_local_minute(timezone.now())}"' in html and "Finished at" in html
    finished = started + timedelta(hours=5)                                 # four hours ago

    response = operator_client.post(url(run), _form(run, completed_at=_local_minute(finished)))

    assert response.status_code == 302
    run.refresh_from_db()
    assert _local_minute(run.completed_at) == _local_minute(finished)
    assert run.completed_at == finished and run.actual_duration_s == 5 * 3600   # 5 h against 4 h: +25 %
    detail = page_html(operator_client.get(f"/runs/{run.pk}/"))
    assert "+25.0" in detail.split("<th scope=\"row\">Duration</th>")[1].split("</tr>")[0]


@pytest.mark.parametrize(("finished", "message"), [
    (timedelta(hours=-3), "Finished at is before the run started"),
    (timedelta(hours=2), "Finished at is in the future."),
])
def test_a_finish_time_before_the_start_or_ahead_of_now_is_refused_beside_the_field(
        operator_client, make_run, finished, message):
    run = make_run(quantity=8, started_at=timezone.now() - timedelta(hours=1))

    response = operator_client.post(url(run), _form(run, completed_at=_local_minute(timezone.now() + finished)))
    html = page_html(response)

    assert response.status_code == 400
    error = html.split('id="id_completed_at_error"')[1].split("</div>")[0]
    assert message in error
    _nothing_written(run)


def test_weighing_starts_from_the_spools_known_gross_weight(operator_client, farm, tenant, admin_user):
    spool = receive_spool(tenant=tenant, by=admin_user, material=farm.pla, location=farm.room, grams="800",
                          tare_weight_g=D("215"))
    run = services.production_run_create(tenant=tenant, by=admin_user, workstation=farm.printer,
                                         items=[ItemSpec(product=farm.stand, quantity=4)],
                                         materials=[MaterialSpec(spool=spool)])
    material = run.materials.get()

    html = page_html(operator_client.get(url(run)))

    assert f'name="material-{material.pk}-weight_before_g" value="1015.00"' in html    # 800 g + 215 g empty spool
    assert "Gross before" in html and "Gross after" in html
