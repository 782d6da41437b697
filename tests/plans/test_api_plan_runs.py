"""Generation and plan runs over the API: generate/preview shapes, idempotency, strict quantities,
and the plan-run endpoints of the plan-runs spec (per-plan list, detail with jobs, delete,
cross-plan list, cancel), each row with derived status and job summary."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from plans import services
from plans.models import JobQueueEntry, ProductionPlanRun, TransportJob
from tests.factories import WorkstationFactory

PLANS = "/api/v1/plans"
S = JobQueueEntry.Status
SHAPE = {"run", "created", "skipped", "materials", "transport_jobs"}
RUN_FIELDS = {"id", "plan_id", "user_id", "quantity", "parallelism", "source", "created_at", "plan_name",
              "product_name", "status", "job_summary"}


def row_counts():
    return (ProductionPlanRun.objects.count(), JobQueueEntry.objects.count(), TransportJob.objects.count())


def set_statuses(plan_run, statuses):
    """Give the run's jobs (deepest first) these statuses."""
    jobs = list(plan_run.jobs.order_by("-sort_order", "id"))
    assert len(jobs) == len(statuses)
    for job, status in zip(jobs, statuses, strict=True):
        JobQueueEntry.objects.filter(pk=job.pk).update(status=status)


@pytest.fixture
def transported(plan, organiser_shop):
    """Drawers (and their handles) are made in the annex; the drawers are carried to the print room
    at 0.10 a piece."""
    plan.transport_enabled, plan.transport_cost_per_item = True, Decimal("0.10")
    plan.save()
    plan.steps.filter(product__in=[organiser_shop.drawer, organiser_shop.handle]).update(location=organiser_shop.annex)
    return plan


# --- generate and preview ------------------------------------------------------------------------------

def test_generate_answers_the_run_its_jobs_skipped_steps_materials_and_transports(api, plan, admin_user):
    response = api.post(f"{PLANS}/{plan.pk}/generate", {"quantity": 10}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == SHAPE
    run = ProductionPlanRun.objects.get()
    assert set(body["run"]) == RUN_FIELDS
    assert body["run"] == {**body["run"], "id": run.pk, "plan_id": plan.pk, "user_id": admin_user.pk, "quantity": 10,
                           "parallelism": 0, "source": "manual", "plan_name": "Organisers",
                           "product_name": "Desk organiser", "status": "pending",
                           "job_summary": {"total": 3, "planned": 3, "active": 0, "completed": 0, "cancelled": 0}}
    assert [(j["product"]["name"], j["runs"], j["quantity"], j["depth"], j["sort_order"], j["status"])
            for j in body["created"]] == [("Handle", 1, 10, 2, 4, "planned"), ("Drawer", 10, 20, 1, 2, "planned"),
                                          ("Desk organiser", 10, 10, 0, 0, "planned")]
    assert all(job["plan_run_id"] == run.pk and job["id"] for job in body["created"])
    assert [(m["item_type"]["name"], m["quantity"], m["unit"]) for m in body["materials"]] == [
        ("PETG White", "1500.000", "g"), ("PLA Black", "405.000", "g")]       # 10 × 150; 10 × 40 + 1 × 5
    assert body["skipped"] == [] and body["transport_jobs"] == []


def test_generate_links_jobs_to_their_transport_job(api, transported, organiser_shop):
    body = api.post(f"{PLANS}/{transported.pk}/generate", {"quantity": 5}, format="json").json()

    (transport,) = body["transport_jobs"]
    assert (transport["origin"]["name"], transport["destination"]["name"], transport["status"]) == (
        "Annex", "Print room", "planned")
    assert transport["items"] == [{"item_type_id": organiser_shop.drawer.pk, "name": "Drawer", "quantity": 10}]
    assert transport["estimated_cost"] == "1.00" and transport["sort_order"] == 1
    drawer_job = next(job for job in body["created"] if job["product"]["name"] == "Drawer")
    assert drawer_job["transport_job_id"] == transport["id"] == TransportJob.objects.get().pk


def test_generate_reports_skipped_steps(api, plan, organiser_shop):
    services.production_plan_step_update(step=plan.steps.get(product=organiser_shop.handle), data={"recipe": None})

    body = api.post(f"{PLANS}/{plan.pk}/generate", {"quantity": 1}, format="json").json()

    assert [(s["product_name"], s["reason"]) for s in body["skipped"]] == [("Handle", "no recipe")]
    assert body["run"]["job_summary"]["total"] == 2


def test_generate_splits_jobs_over_printers_with_parallelism(api, plan, organiser_shop, tenant):
    for n in (1, 2, 3):
        WorkstationFactory(tenant=tenant, name=f"MK4 #{n}", location=organiser_shop.room)

    body = api.post(f"{PLANS}/{plan.pk}/generate", {"quantity": 10, "parallelism": 2}, format="json").json()

    organiser = [job for job in body["created"] if job["product"]["name"] == "Desk organiser"]
    assert sorted(job["runs"] for job in organiser) == [5, 5] and body["run"]["parallelism"] == 2
    assert all(job["workstation"]["name"].startswith("MK4") for job in organiser)


def test_preview_has_the_generate_shape_and_writes_nothing(api, transported):
    before = row_counts()

    preview = api.post(f"{PLANS}/{transported.pk}/preview", {"quantity": 5}, format="json")

    assert preview.status_code == 200, preview.json()
    assert row_counts() == before
    body = preview.json()
    assert set(body) == SHAPE and body["run"] is None
    assert all(job["id"] is None and job["plan_run_id"] is None for job in body["created"])
    assert body["transport_jobs"][0]["id"] is None
    generated = api.post(f"{PLANS}/{transported.pk}/generate", {"quantity": 5}, format="json").json()
    unwritten = ("id", "plan_run_id", "transport_job_id", "created_at")
    for key in ("created", "transport_jobs"):
        assert [{k: v for k, v in row.items() if k not in unwritten} for row in body[key]] == \
               [{k: v for k, v in row.items() if k not in unwritten} for row in generated[key]]
    assert body["materials"] == generated["materials"] and body["skipped"] == generated["skipped"]


def test_any_member_may_preview_but_only_managers_generate(api_as, viewer_user, plan):
    client = api_as(viewer_user)

    assert client.post(f"{PLANS}/{plan.pk}/preview", {"quantity": 1}, format="json").status_code == 200
    assert client.post(f"{PLANS}/{plan.pk}/generate", {"quantity": 1}, format="json").status_code == 403
    assert not ProductionPlanRun.objects.exists()


def test_a_double_click_with_one_idempotency_key_makes_one_run(api, plan):
    url, body, key = f"{PLANS}/{plan.pk}/generate", {"quantity": 3}, {"HTTP_IDEMPOTENCY_KEY": "generate-42"}

    first = api.post(url, body, format="json", **key)
    second = api.post(url, body, format="json", **key)
    other_body = api.post(url, {"quantity": 4}, format="json", **key)

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json() and second.headers["Idempotent-Replayed"] == "true"
    assert other_body.status_code == 422
    assert ProductionPlanRun.objects.count() == 1 and JobQueueEntry.objects.count() == 3


@pytest.mark.parametrize("endpoint", ["generate", "preview"])
@pytest.mark.parametrize("body,field", [
    ({"quantity": "5"}, "quantity"),          # a JSON string, even of digits
    ({"quantity": 2.5}, "quantity"),
    ({"quantity": 5.0}, "quantity"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": -1}, "quantity"),
    ({"quantity": True}, "quantity"),
    ({"quantity": None}, "quantity"),
    ({}, "quantity"),
    ({"quantity": 1, "parallelism": -1}, "parallelism"),
    ({"quantity": 1, "parallelism": "2"}, "parallelism"),
])
def test_bad_quantities_are_refused_naming_the_field_and_write_nothing(api, plan, endpoint, body, field):
    before = row_counts()

    response = api.post(f"{PLANS}/{plan.pk}/{endpoint}", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == [field]
    assert response.json()["message"].startswith(f"{field}: ")
    assert row_counts() == before


# --- plan runs -----------------------------------------------------------------------------------------


def test_per_plan_list_shows_the_plans_runs_newest_first_with_status_and_summary(api, tenant, plan, organiser_shop,
                                                                                 admin_user):
    older = services.plan_generate(plan=plan, by=admin_user, quantity=1).run
    newer = services.plan_generate(plan=plan, by=admin_user, quantity=2).run
    other_plan = services.production_plan_create(tenant=tenant, name="Drawers", product=organiser_shop.drawer)
    services.plan_generate(plan=other_plan, by=admin_user, quantity=2)
    set_statuses(older, [S.COMPLETED, S.COMPLETED, S.CANCELLED])
    set_statuses(newer, [S.ACTIVE, S.PLANNED, S.PLANNED])

    response = api.get(f"{PLANS}/{plan.pk}/runs")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [newer.pk, older.pk]
    assert all(set(row) == RUN_FIELDS for row in rows)
    assert (rows[0]["status"], rows[0]["job_summary"]) == (
        "in_progress", {"total": 3, "planned": 2, "active": 1, "completed": 0, "cancelled": 0})
    assert (rows[1]["status"], rows[1]["job_summary"]) == (
        "completed", {"total": 3, "planned": 0, "active": 0, "completed": 2, "cancelled": 1})
    assert rows[1]["plan_name"] == "Organisers" and rows[1]["product_name"] == "Desk organiser"


def test_detail_shows_the_run_with_its_jobs_in_queue_order(api, plan, plan_run):
    response = api.get(f"{PLANS}/{plan.pk}/runs/{plan_run.pk}")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == RUN_FIELDS | {"jobs"} and body["status"] == "pending"
    assert [job["sort_order"] for job in body["jobs"]] == [4, 2, 0]
    assert {job["plan_run_id"] for job in body["jobs"]} == {plan_run.pk}
    assert body["jobs"][0]["recipe"]["name"] == "Handle plate" and body["jobs"][0]["plan_step_id"]


def test_a_run_is_found_only_under_its_own_plan(api, tenant, organiser_shop, plan_run, admin_user):
    other_plan = services.production_plan_create(tenant=tenant, name="Drawers", product=organiser_shop.drawer)

    assert api.get(f"{PLANS}/{other_plan.pk}/runs/{plan_run.pk}").status_code == 404
    assert api.delete(f"{PLANS}/{other_plan.pk}/runs/{plan_run.pk}").status_code == 404
    assert ProductionPlanRun.objects.filter(pk=plan_run.pk).exists()


def test_delete_answers_deleted_and_the_jobs_survive_unlinked(api, plan, plan_run):
    job_ids = set(plan_run.jobs.values_list("pk", flat=True))

    response = api.delete(f"{PLANS}/{plan.pk}/runs/{plan_run.pk}")

    assert response.status_code == 200 and response.json() == {"status": "deleted"}
    assert not ProductionPlanRun.objects.filter(pk=plan_run.pk).exists()
    jobs = [api.get(f"/api/v1/jobs/{pk}").json() for pk in job_ids]
    assert all(job["plan_run_id"] is None and job["status"] == "planned" for job in jobs)


def test_cross_plan_list_shows_every_plans_runs_newest_first(api, tenant, plan, organiser_shop, admin_user):
    organisers = services.plan_generate(plan=plan, by=admin_user, quantity=1).run
    other_plan = services.production_plan_create(tenant=tenant, name="Drawers", product=organiser_shop.drawer)
    drawers = services.plan_generate(plan=other_plan, by=admin_user, quantity=2, source="auto").run

    response = api.get(f"{PLANS}/runs")

    rows = response.json()["results"]
    assert [(row["id"], row["plan_name"], row["source"]) for row in rows] == [
        (drawers.pk, "Drawers", "auto"), (organisers.pk, "Organisers", "manual")]
    assert all(set(row) == RUN_FIELDS and row["status"] == "pending" for row in rows)
    assert rows[0]["job_summary"]["total"] == 1 and rows[1]["job_summary"]["total"] == 3


def test_cross_plan_list_filters_by_plan_source_and_day(api, tenant, plan, organiser_shop, admin_user):
    old = services.plan_generate(plan=plan, by=admin_user, quantity=1).run
    ProductionPlanRun.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    recent = services.plan_generate(plan=plan, by=admin_user, quantity=1).run
    other_plan = services.production_plan_create(tenant=tenant, name="Drawers", product=organiser_shop.drawer)
    auto = services.plan_generate(plan=other_plan, by=admin_user, quantity=1, source="auto").run
    today = timezone.localdate().isoformat()
    week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()

    def ids(**query):
        return [row["id"] for row in api.get(f"{PLANS}/runs", query).json()["results"]]

    assert ids(plan=plan.pk) == [recent.pk, old.pk]
    assert ids(source="auto") == [auto.pk]
    assert ids(date_from=week_ago) == [auto.pk, recent.pk]
    assert ids(date_to=week_ago) == [old.pk]
    assert api.get(f"{PLANS}/runs", {"source": "robot"}).status_code == 400
    assert ids(date_from=today, source="manual") == [recent.pk]


def test_cancel_cancels_only_planned_jobs_and_says_how_many(api, plan_run):
    set_statuses(plan_run, [S.ACTIVE, S.COMPLETED, S.PLANNED])

    response = api.post(f"{PLANS}/runs/{plan_run.pk}/cancel")

    assert response.status_code == 200 and response.json() == {"status": "cancelled", "jobs_cancelled": 1}
    assert sorted(plan_run.jobs.values_list("status", flat=True)) == ["active", "cancelled", "completed"]
    assert api.post(f"{PLANS}/runs/{plan_run.pk}/cancel").json() == {"status": "cancelled", "jobs_cancelled": 0}


def test_operators_cancel_plan_runs_but_do_not_delete_them(api_as, operator_user, plan, plan_run):
    client = api_as(operator_user)

    assert client.delete(f"{PLANS}/{plan.pk}/runs/{plan_run.pk}").status_code == 403
    assert client.post(f"{PLANS}/runs/{plan_run.pk}/cancel").json()["jobs_cancelled"] == 3


# --- query counts ------------------------------------------------------------------------------------

# Tenant resolution (1) + the paginator's count (1) + the page's run ids (1) + those runs with
# plan, product, job counts and derived status (1); per plan: + the plan (1).
ALL_RUNS_QUERIES = 4
PLAN_RUNS_QUERIES = 5
# Tenant resolution (1) + the plan (1) + the run with its summary (1) + its jobs with recipe,
# product, location and workstation (1).
RUN_DETAIL_QUERIES = 4


@pytest.mark.parametrize("runs", [1, 50])
def test_plan_run_lists_query_count_does_not_grow_with_runs(api, plan, admin_user, runs,
                                                            django_assert_num_queries):
    for _ in range(runs):
        services.plan_generate(plan=plan, by=admin_user, quantity=1)

    with django_assert_num_queries(PLAN_RUNS_QUERIES):
        per_plan = api.get(f"{PLANS}/{plan.pk}/runs", {"page_size": 50})
    with django_assert_num_queries(ALL_RUNS_QUERIES):
        across = api.get(f"{PLANS}/runs", {"page_size": 50})

    for response in (per_plan, across):
        assert response.json()["count"] == runs and len(response.json()["results"]) == runs
        assert all(row["status"] == "pending" and row["job_summary"]["total"] == 3
                   for row in response.json()["results"])


@pytest.mark.parametrize("quantity", [1, 200])
def test_plan_run_detail_query_count_does_not_grow_with_jobs(api, plan, admin_user, tenant, organiser_shop, quantity,
                                                             django_assert_num_queries):
    for _ in range(6):
        WorkstationFactory(tenant=tenant, location=organiser_shop.room)
    run = services.plan_generate(plan=plan, by=admin_user, quantity=quantity).run

    with django_assert_num_queries(RUN_DETAIL_QUERIES):
        response = api.get(f"{PLANS}/{plan.pk}/runs/{run.pk}")

    assert len(response.json()["jobs"]) == run.jobs.count()
