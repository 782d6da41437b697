"""The job queue and transport jobs over the API: list and filters, start (a production run that
the job then follows), cancel, and moving transport jobs."""
from __future__ import annotations

from decimal import Decimal

import pytest

from inventory import services as inventory_services
from inventory.models import InventoryTransaction, StockBalance
from plans import services
from plans.models import JobQueueEntry, TransportJob
from runs.models import ProductionRun
from tests.factories import WorkstationFactory, receive_spool

JOBS = "/api/v1/jobs"
TRANSPORTS = "/api/v1/transport-jobs"
JOB_FIELDS = {"id", "plan_run_id", "plan_step_id", "recipe", "product", "activity", "runs", "quantity",
              "material_efficiency", "time_efficiency", "tax_per_run", "estimated_cost", "estimated_duration_s",
              "location", "workstation", "status", "depth", "sort_order", "transport_job_id", "readiness"}


@pytest.fixture
def handles(plan_run):
    """The deepest job of the run: 1 run of 10 handles, 5 g of PLA."""
    return plan_run.jobs.get(depth=2)


@pytest.fixture
def pla_spool(tenant, admin_user, organiser_shop):
    return receive_spool(tenant=tenant, by=admin_user, material=organiser_shop.pla, location=organiser_shop.room,
                         grams="1000")


def plan_run_status(api, plan_run):
    return api.get(f"/api/v1/plans/{plan_run.plan_id}/runs/{plan_run.pk}").json()["status"]


def complete(api, run_id):
    run = ProductionRun.objects.get(pk=run_id)
    return api.post(f"/api/v1/production-runs/{run_id}/complete",
                    {"materials": [{"material_id": m.pk, "use_estimate": True} for m in run.materials.all()]},
                    format="json")


# --- the queue -------------------------------------------------------------------------------------

def test_list_shows_the_queue_deepest_first(api, plan, admin_user, plan_run):
    second = services.plan_generate(plan=plan, by=admin_user, quantity=1).run

    response = api.get(JOBS)

    rows = response.json()["results"]
    assert [(row["sort_order"], row["plan_run_id"]) for row in rows] == [
        (4, plan_run.pk), (4, second.pk), (2, plan_run.pk), (2, second.pk), (0, plan_run.pk), (0, second.pk)]
    assert set(rows[0]) == JOB_FIELDS
    assert rows[0]["recipe"]["name"] == "Handle plate" and rows[0]["product"]["name"] == "Handle"
    assert rows[0]["location"]["name"] == "Print room" and rows[0]["workstation"] is None


def test_list_filters_by_status_plan_run_workstation_and_location(api, tenant, plan, organiser_shop, admin_user,
                                                                  plan_run):
    printer = WorkstationFactory(tenant=tenant, name="MK4", location=organiser_shop.room)
    second = services.plan_generate(plan=plan, by=admin_user, quantity=1).run
    JobQueueEntry.objects.filter(plan_run=second, depth=0).update(status="active", workstation=printer)
    JobQueueEntry.objects.filter(plan_run=second, depth=1).update(status="cancelled", location=organiser_shop.annex)

    def ids(**query):
        return sorted(row["id"] for row in api.get(JOBS, query).json()["results"])

    def pks(**lookup):
        return sorted(JobQueueEntry.objects.filter(**lookup).values_list("pk", flat=True))

    assert ids(plan_run=plan_run.pk) == pks(plan_run=plan_run)
    assert ids(status=["active", "cancelled"]) == pks(plan_run=second, depth__in=[0, 1])
    assert ids(workstation=printer.pk) == pks(workstation=printer)
    assert ids(location=organiser_shop.annex.pk) == pks(location=organiser_shop.annex)
    assert api.get(JOBS, {"status": "lost"}).status_code == 400


def test_detail_shows_one_job(api, handles):
    response = api.get(f"{JOBS}/{handles.pk}")

    assert response.status_code == 200
    assert response.json() == {**response.json(), "id": handles.pk, "runs": 1, "quantity": 10, "status": "planned",
                               "estimated_duration_s": 3600, "depth": 2, "sort_order": 4, "activity": "printing"}


# --- start: the job follows its production run -------------------------------------------------------

def test_starting_a_job_creates_its_production_run_and_makes_it_active(api, plan_run, handles, pla_spool):
    response = api.post(f"{JOBS}/{handles.pk}/start", {}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    run = ProductionRun.objects.get(job=handles)
    assert body["production_run"] == {"id": run.pk, "run_number": run.run_number, "status": "in_progress"}
    assert body["job"]["status"] == "active" and body["job"]["id"] == handles.pk
    assert run.items.get().quantity == 10
    assert [(m.spool, m.estimated_weight_g) for m in run.materials.all()] == [(pla_spool, Decimal("5.00"))]
    assert plan_run_status(api, plan_run) == "in_progress"


def test_completing_the_run_completes_the_job_and_moves_the_plan_run(api, plan_run, handles, pla_spool):
    run_id = api.post(f"{JOBS}/{handles.pk}/start", {}, format="json").json()["production_run"]["id"]

    response = complete(api, run_id)

    assert response.status_code == 200, response.json()
    assert api.get(f"{JOBS}/{handles.pk}").json()["status"] == "completed"
    assert plan_run_status(api, plan_run) == "in_progress"          # two jobs still planned


def test_completing_the_last_open_job_completes_the_plan_run(api, plan_run, handles, pla_spool):
    for job in plan_run.jobs.exclude(pk=handles.pk):
        assert api.post(f"{JOBS}/{job.pk}/cancel").json()["status"] == "cancelled"
    run_id = api.post(f"{JOBS}/{handles.pk}/start", {}, format="json").json()["production_run"]["id"]

    complete(api, run_id)

    assert plan_run_status(api, plan_run) == "completed"
    summary = api.get("/api/v1/plans/runs").json()["results"][0]["job_summary"]
    assert summary == {"total": 3, "planned": 0, "active": 0, "completed": 1, "cancelled": 2}


def test_cancelling_the_run_returns_the_job_to_planned(api, plan_run, handles):
    run_id = api.post(f"{JOBS}/{handles.pk}/start", {"spools": []}, format="json").json()["production_run"]["id"]

    api.post(f"/api/v1/production-runs/{run_id}/cancel", {}, format="json")

    assert api.get(f"{JOBS}/{handles.pk}").json()["status"] == "planned"
    assert plan_run_status(api, plan_run) == "pending"


def test_start_takes_a_workstation_and_spools(api, tenant, admin_user, organiser_shop, handles):
    printer = WorkstationFactory(tenant=tenant, name="MK4", location=organiser_shop.room)
    spool = receive_spool(tenant=tenant, by=admin_user, material=organiser_shop.pla, location=organiser_shop.annex)

    response = api.post(f"{JOBS}/{handles.pk}/start", {"workstation": printer.pk, "spools": [spool.pk]},
                        format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["job"]["workstation"] == {"id": printer.pk, "name": "MK4"}
    run = ProductionRun.objects.get(job=handles)
    assert run.workstation == printer and [m.spool for m in run.materials.all()] == [spool]


def test_start_refuses_another_tenants_spool_and_writes_nothing(api, other_tenant, other_admin, handles):
    foreign = receive_spool(tenant=other_tenant, by=other_admin)

    response = api.post(f"{JOBS}/{handles.pk}/start", {"spools": [foreign.pk]}, format="json")

    assert response.status_code == 400 and "spools" in response.json()["extra"]["fields"]
    handles.refresh_from_db()
    assert handles.status == "planned" and not ProductionRun.objects.exists()


def test_a_double_click_on_start_makes_one_run(api, handles):
    key = {"HTTP_IDEMPOTENCY_KEY": f"start-{handles.pk}"}

    first = api.post(f"{JOBS}/{handles.pk}/start", {"spools": []}, format="json", **key)
    second = api.post(f"{JOBS}/{handles.pk}/start", {"spools": []}, format="json", **key)

    assert (first.status_code, second.status_code) == (201, 201) and first.json() == second.json()
    assert ProductionRun.objects.filter(job=handles).count() == 1


@pytest.mark.parametrize("status", ["active", "completed", "cancelled"])
def test_only_planned_jobs_start_or_cancel(api, handles, status):
    JobQueueEntry.objects.filter(pk=handles.pk).update(status=status)

    start = api.post(f"{JOBS}/{handles.pk}/start", {}, format="json")
    cancel = api.post(f"{JOBS}/{handles.pk}/cancel")

    assert (start.status_code, cancel.status_code) == (409, 409)
    assert start.json()["code"] == cancel.json()["code"] == "job_state"
    assert cancel.json()["extra"]["status"] == status
    handles.refresh_from_db()
    assert handles.status == status and not ProductionRun.objects.exists()


def test_cancel_cancels_a_planned_job(api, plan_run, handles):
    response = api.post(f"{JOBS}/{handles.pk}/cancel")

    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert plan_run_status(api, plan_run) == "pending"


def test_operators_start_and_cancel_jobs_viewers_do_not(api_as, operator_user, viewer_user, plan_run, handles):
    viewer, operator = api_as(viewer_user), api_as(operator_user)
    other = plan_run.jobs.get(depth=1)

    assert viewer.get(f"{JOBS}/{handles.pk}").status_code == 200
    assert viewer.post(f"{JOBS}/{handles.pk}/start", {}, format="json").status_code == 403
    assert viewer.post(f"{JOBS}/{handles.pk}/cancel").status_code == 403
    assert operator.post(f"{JOBS}/{handles.pk}/start", {"spools": []}, format="json").status_code == 201
    assert operator.post(f"{JOBS}/{other.pk}/cancel").status_code == 200


# --- transport jobs ----------------------------------------------------------------------------------

@pytest.fixture
def transport(plan, organiser_shop, admin_user):
    plan.transport_enabled, plan.transport_cost_per_item = True, Decimal("0.10")
    plan.save()
    plan.steps.filter(product__in=[organiser_shop.drawer, organiser_shop.handle]).update(location=organiser_shop.annex)
    (transport,) = services.plan_generate(plan=plan, by=admin_user, quantity=5).transport_jobs
    return transport


def test_transport_jobs_list_and_detail(api, transport, organiser_shop):
    listing = api.get(TRANSPORTS).json()["results"]
    detail = api.get(f"{TRANSPORTS}/{transport.pk}").json()

    assert [row["id"] for row in listing] == [transport.pk]
    assert detail == {**detail, "id": transport.pk, "plan_run_id": transport.plan_run_id, "status": "planned",
                      "origin": {"id": organiser_shop.annex.pk, "name": "Annex"}, "estimated_cost": "1.00",
                      "destination": {"id": organiser_shop.room.pk, "name": "Print room"},
                      "items": [{"item_type_id": organiser_shop.drawer.pk, "name": "Drawer", "quantity": 10}]}


def test_transport_jobs_filter_by_status_and_plan_run(api, transport, plan, admin_user):
    TransportJob.objects.filter(pk=transport.pk).update(status="in_transit")
    (second,) = services.plan_generate(plan=plan, by=admin_user, quantity=1).transport_jobs

    def ids(**query):
        return [row["id"] for row in api.get(TRANSPORTS, query).json()["results"]]

    assert ids(status="in_transit") == [transport.pk]
    assert ids(status="planned") == [second.pk]
    assert ids(plan_run=second.plan_run_id) == [second.pk]


def test_a_transport_job_moves_planned_in_transit_delivered(api_as, operator_user, admin_user, transport,
                                                             organiser_shop):
    inventory_services.stock_adjust(tenant=transport.tenant, by=admin_user, item_type=organiser_shop.drawer,
                                    location=organiser_shop.annex, quantity=Decimal("12"), note="Stock count")
    client = api_as(operator_user)
    url = f"{TRANSPORTS}/{transport.pk}/status"

    in_transit = client.post(url, {"status": "in_transit"}, format="json")
    delivered = client.post(url, {"status": "delivered"}, format="json")
    back = client.post(url, {"status": "in_transit"}, format="json")
    cancel = client.post(url, {"status": "cancelled"}, format="json")
    unknown = client.post(url, {"status": "lost"}, format="json")

    assert (in_transit.status_code, delivered.status_code) == (200, 200)
    assert delivered.json()["status"] == "delivered"
    assert back.status_code == cancel.status_code == 409
    assert unknown.status_code == 400 and "status" in unknown.json()["extra"]["fields"]
    transport.refresh_from_db()
    assert transport.status == "delivered"
    assert _on_hand(organiser_shop.drawer, organiser_shop.annex) == Decimal("2")     # 12 − the 10 carried
    assert _on_hand(organiser_shop.drawer, organiser_shop.room) == Decimal("10")
    moved = InventoryTransaction.objects.filter(reference_type="transport_job", reference_id=str(transport.pk))
    assert sorted((row.location_id, row.quantity, row.transaction_type) for row in moved) == sorted([
        (organiser_shop.annex.pk, Decimal("-10"), "transfer"), (organiser_shop.room.pk, Decimal("10"), "transfer")])


def test_delivering_what_the_origin_lacks_is_409_and_moves_nothing(api_as, operator_user, admin_user, transport,
                                                                    organiser_shop):
    inventory_services.stock_adjust(tenant=transport.tenant, by=admin_user, item_type=organiser_shop.drawer,
                                    location=organiser_shop.annex, quantity=Decimal("7"), note="Stock count")
    client = api_as(operator_user)
    url = f"{TRANSPORTS}/{transport.pk}/status"
    client.post(url, {"status": "in_transit"}, format="json")

    response = client.post(url, {"status": "delivered"}, format="json")

    assert response.status_code == 409 and response.json()["code"] == "stock_short"
    assert response.json()["message"] == "Annex has 7 pcs of Drawer; this needs 10 pcs."
    assert response.json()["extra"] == {"item_type_id": organiser_shop.drawer.pk,
                                        "location_id": organiser_shop.annex.pk, "on_hand": "7", "needed": "10"}
    transport.refresh_from_db()
    assert transport.status == "in_transit"
    assert not InventoryTransaction.objects.filter(transaction_type="transfer").exists()
    assert _on_hand(organiser_shop.drawer, organiser_shop.annex) == Decimal("7")


def _on_hand(item_type, location) -> Decimal:
    balance = StockBalance.objects.filter(item_type=item_type, location=location).first()
    return balance.quantity if balance else Decimal("0")


def test_viewers_do_not_move_transport_jobs(api_as, viewer_user, transport):
    response = api_as(viewer_user).post(f"{TRANSPORTS}/{transport.pk}/status", {"status": "in_transit"},
                                        format="json")

    assert response.status_code == 403


# --- query counts ------------------------------------------------------------------------------------

# Tenant resolution (1) + the paginator's count (1) + jobs with recipe, product, location and
# workstation (1) + their recipes' inputs, for readiness (1; the handles take only filament, so
# there is no stock to read: see the readiness test below for the fifth query).
JOB_LIST_QUERIES = 4


@pytest.mark.parametrize("jobs", [1, 50])
def test_job_list_query_count_does_not_grow_with_jobs(api, tenant, organiser_shop, handles, jobs,
                                                      django_assert_num_queries):
    JobQueueEntry.objects.exclude(pk=handles.pk).delete()
    JobQueueEntry.objects.filter(pk=handles.pk).update(workstation=WorkstationFactory(tenant=tenant,
                                                                                      location=organiser_shop.room))
    fields = {f.attname: getattr(JobQueueEntry.objects.get(pk=handles.pk), f.attname)
              for f in JobQueueEntry._meta.concrete_fields if not f.primary_key}
    JobQueueEntry.objects.bulk_create([JobQueueEntry(**fields) for _ in range(jobs - 1)])

    with django_assert_num_queries(JOB_LIST_QUERIES):
        response = api.get(JOBS, {"page_size": 50})

    assert len(response.json()["results"]) == jobs
    assert all(row["recipe"]["name"] == "Handle plate" and row["workstation"] for row in response.json()["results"])


def test_deleting_a_recipe_that_jobs_use_is_409_saying_what_uses_it(api, plan_run):
    recipe = plan_run.jobs.order_by("-sort_order").first().recipe
    jobs = JobQueueEntry.objects.filter(recipe=recipe).count()

    response = api.delete(f"/api/v1/recipes/{recipe.pk}")

    assert response.status_code == 409 and response.json()["code"] == "in_use"
    assert response.json()["extra"] == {"used_by": {"job queue entries": jobs}}
    assert response.json()["message"] == (f"Recipe {recipe.name!r} is used by {jobs} job queue "
                                           f"entr{'y' if jobs == 1 else 'ies'}: it cannot be deleted.")
    assert type(recipe).objects.filter(pk=recipe.pk).exists() and recipe.inputs.exists()


# --- readiness --------------------------------------------------------------------------------------

def test_a_final_assembly_job_waits_for_its_parts_at_its_location_then_is_ready(api, admin_user, plan_run,
                                                                                organiser_shop):
    organiser_job = plan_run.jobs.get(depth=0)                # 10 organisers from 2 drawers each, in the print room
    url = f"{JOBS}/{organiser_job.pk}"

    waiting = api.get(url).json()["readiness"]
    inventory_services.stock_adjust(tenant=plan_run.tenant, by=admin_user, item_type=organiser_shop.drawer,
                                    location=organiser_shop.annex, quantity=Decimal("5"), note="Stock count")     # at the wrong place
    still = api.get(url).json()["readiness"]
    inventory_services.stock_adjust(tenant=plan_run.tenant, by=admin_user, item_type=organiser_shop.drawer,
                                    location=organiser_shop.room, quantity=Decimal("20"), note="Stock count")
    ready = api.get(url).json()["readiness"]

    assert waiting == still == {"state": "waiting", "missing": [{
        "item_type_id": organiser_shop.drawer.pk, "name": "Drawer", "unit": "pcs", "needed": "20.000",
        "on_hand": "0.000"}]}
    assert ready == {"state": "ready", "missing": []}
    listed = {row["id"]: row["readiness"] for row in api.get(JOBS).json()["results"]}
    assert listed[organiser_job.pk]["state"] == "ready"
    assert listed[plan_run.jobs.get(depth=2).pk] == {"state": "ready", "missing": []}    # handles: filament only


def test_readiness_follows_the_jobs_material_saving(admin_user, plan_run, organiser_shop):
    from plans.selectors import job_readiness

    drawers = plan_run.jobs.get(depth=1)                       # 1 run of 2 drawers takes 1 handle
    JobQueueEntry.objects.filter(pk=drawers.pk).update(runs=10, material_efficiency=Decimal("25"))
    drawers.refresh_from_db()
    inventory_services.stock_adjust(tenant=plan_run.tenant, by=admin_user, item_type=organiser_shop.handle,
                                    location=organiser_shop.room, quantity=Decimal("7"), note="Stock count")

    (missing,) = job_readiness(jobs=[drawers])[drawers.pk].missing

    assert (missing.needed, missing.on_hand) == (Decimal("10"), Decimal("7"))   # max(10 runs, ceil(10 × 1 × 0.75))


@pytest.mark.parametrize("jobs", [1, 50])
def test_the_queue_with_readiness_costs_the_same_queries_for_1_and_50_assembly_jobs(
        api, tenant, admin_user, plan_run, organiser_shop, jobs, django_assert_num_queries):
    organiser_job = plan_run.jobs.get(depth=0)
    JobQueueEntry.objects.exclude(pk=organiser_job.pk).delete()
    fields = {f.attname: getattr(organiser_job, f.attname)
              for f in JobQueueEntry._meta.concrete_fields if not f.primary_key}
    JobQueueEntry.objects.bulk_create([JobQueueEntry(**fields) for _ in range(jobs - 1)])
    inventory_services.stock_adjust(tenant=tenant, by=admin_user, item_type=organiser_shop.drawer,
                                    location=organiser_shop.room, quantity=Decimal("1"), note="Stock count")

    with django_assert_num_queries(JOB_LIST_QUERIES + 1):      # + the stock of the parts at the jobs' locations
        response = api.get(JOBS, {"page_size": 50})

    rows = response.json()["results"]
    assert len(rows) == jobs and all(row["readiness"]["state"] == "waiting" for row in rows)
    assert rows[0]["readiness"]["missing"][0]["on_hand"] == "1.000"
