"""The auto-production run log: append-only, forward-only, readable per tenant through the API,
"Run now" for managers, and the management command."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.utils import timezone

from plans.models import ProductionPlanRun
from stockpiles.models import AutoProductionRun
from stockpiles.services import auto_production_tick

URL = "/api/v1/auto-production/runs"


@pytest.fixture
def tick(tenant, stock_shop, keep):
    keep(stock_shop.stand, stock_shop.shop, "10", plan=stock_shop.stand_plan)
    (run,) = auto_production_tick(tenant=tenant)
    return run


def test_a_finished_run_cannot_be_saved_or_deleted(tick):
    tick.error_message = "rewritten"

    with pytest.raises(RuntimeError):
        tick.save()
    with pytest.raises(RuntimeError):
        tick.delete()


@pytest.mark.parametrize("change", [
    {"status": "running"},                       # backwards
    {"status": "queued"},
    {"output": {}},                              # a finished row never changes
    {"idempotency_key": "beat:other"},
    {"created_at": timezone.now()},
], ids=["succeeded→running", "succeeded→queued", "rewrite output", "change key", "change created_at"])
def test_the_database_refuses_to_rewrite_a_finished_run(tick, change):
    with pytest.raises(DatabaseError, match="auto-production run"), transaction.atomic():
        AutoProductionRun.objects.filter(pk=tick.pk).update(**change)


def test_the_database_refuses_to_delete_a_run(tick):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AutoProductionRun.objects.filter(pk=tick.pk).delete()


def test_the_database_lets_a_run_move_forward_only(tenant):
    run = AutoProductionRun.objects.create(tenant=tenant, idempotency_key="manual:x", triggered_by="manual")
    rows = AutoProductionRun.objects.filter(pk=run.pk)

    rows.update(status="running", started_at=timezone.now())
    rows.update(metrics={"steps": []})                                  # a running row may be rewritten
    with pytest.raises(DatabaseError), transaction.atomic():
        rows.update(started_at=timezone.now())                          # started_at is set once
    rows.update(status="succeeded", finished_at=timezone.now())

    assert rows.get().status == "succeeded"


# --- API ---------------------------------------------------------------------------------------------

def test_list_and_detail_show_the_tenants_ticks(api, tick):
    listed = api.get(URL).json()

    assert listed["count"] == 1
    (row,) = listed["results"]
    assert (row["id"], row["status"], row["triggered_by"]) == (tick.pk, "succeeded", "beat")
    assert row["summary"] == {"plan_runs_created": 1, "groups_skipped": 0, "groups_failed": 0}
    detail = api.get(f"{URL}/{tick.pk}").json()
    assert [step["name"] for step in detail["metrics"]["steps"]] == ["load_markers", "compute_deficits",
                                                                     "subtract_pending", "generate"]
    assert detail["output"]["plan_runs"][0]["quantity"] == 10
    assert detail["idempotency_key"].startswith("beat:")


def test_list_filters_by_status(api, tick):
    assert api.get(URL, {"status": "failed"}).json()["count"] == 0
    assert api.get(URL, {"status": ["succeeded", "failed"]}).json()["count"] == 1


def test_run_now_is_a_manual_tick_of_the_callers_tenant(api_as, manager_user, tenant, stock_shop, keep):
    keep(stock_shop.stand, stock_shop.shop, "10", plan=stock_shop.stand_plan)

    response = api_as(manager_user).post(URL)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["triggered_by"], body["requested_by"]["id"]) == ("succeeded", "manual",
                                                                                   manager_user.pk)
    assert body["output"]["plan_runs"][0]["quantity"] == 10
    assert ProductionPlanRun.objects.get().source == "auto"


def test_run_now_needs_the_manager_role(api_as, operator_user):
    assert api_as(operator_user).post(URL).status_code == 403
    assert not AutoProductionRun.objects.exists()


def test_run_now_with_an_idempotency_key_replays_the_first_tick(api, stock_shop, keep):
    keep(stock_shop.stand, stock_shop.shop, "10", plan=stock_shop.stand_plan)

    first = api.post(URL, HTTP_IDEMPOTENCY_KEY="run-now-1")
    second = api.post(URL, HTTP_IDEMPOTENCY_KEY="run-now-1")
    third = api.post(URL)

    assert first.status_code == second.status_code == third.status_code == 201
    assert second.json() == first.json() and second.headers["Idempotent-Replayed"] == "true"
    assert third.json()["id"] != first.json()["id"]
    assert AutoProductionRun.objects.count() == 2 and ProductionPlanRun.objects.count() == 1


# --- the command ----------------------------------------------------------------------------------------

def test_the_command_runs_one_tick_and_prints_what_it_did(tenant, stock_shop, keep):
    keep(stock_shop.stand, stock_shop.shop, "10", plan=stock_shop.stand_plan)
    out = StringIO()

    call_command("run_auto_production", "--tenant", "acme", stdout=out)
    call_command("run_auto_production", stdout=out)

    text = out.getvalue()
    assert "ACME: tick" in text and "succeeded — 1 plan run(s) created (10 pieces)" in text
    assert "plan run" in text and "10 × Phone stands for acme-admin" in text
    assert "0 plan run(s) created (0 pieces), 1 group(s) skipped (covered_by_pending)" in text
    assert list(AutoProductionRun.objects.values_list("triggered_by", flat=True)) == ["command", "command"]


def test_the_command_says_when_there_is_nothing_to_do(db):
    out = StringIO()

    call_command("run_auto_production", stdout=out)

    assert "nothing to do" in out.getvalue()


def test_the_command_refuses_an_unknown_tenant(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--tenant"):
        call_command("run_auto_production", "--tenant", "NOPE")
