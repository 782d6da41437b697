"""``manage.py seed_demo``: what it prints, the demo users and their passwords, and ``--once``
(a no-op when DEMO exists; without it, a refusal)."""
from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from inventory.models import InventoryTransaction, ItemType, Location, Spool, StockBalance, Workstation
from plans.models import JobQueueEntry, ProductionPlanRun, Recipe, TransportJob
from prodtrack.models import Membership, Tenant, User
from runs.models import ProductionRun, ProductionRunItem, ProductionRunMaterial


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts(tenant: Tenant) -> dict[str, int]:
    return {model.__name__: model.objects.for_tenant(tenant).count()
            for model in (ItemType, Location, Workstation, Spool, InventoryTransaction, StockBalance, Recipe,
                          ProductionRun)} | {
        "items": ProductionRunItem.objects.filter(run__tenant=tenant).count(),
        "materials": ProductionRunMaterial.objects.filter(run__tenant=tenant).count()}


def test_prints_what_it_made(seeded_demo, demo):
    output = seeded_demo.output

    assert "8 printers, 1 assembly bench" in output and "19 products, 19 recipes." in output
    summary = re.search(r"Runs over 60 days: (\d+) \((\d+) completed, (\d+) failed, (\d+) cancelled, "
                        r"(\d+) in progress; (\d+) reprints\)", output)
    runs, *by_status, reprints = map(int, summary.groups())
    assert runs == sum(by_status) == ProductionRun.objects.for_tenant(demo).count()
    assert reprints >= 3
    assert ("Plans: 2 (Desk organiser set: 4 steps, 3 levels; Headphone stand: 3 steps, 3 levels, 2 locations, "
            "transport).") in output
    plans = re.search(r"Plan runs: (\d+) \((\d+) pending, (\d+) in progress, (\d+) completed\) with (\d+) "
                      r"jobs \((\d+) planned, (\d+) active, (\d+) completed, (\d+) cancelled\) and (\d+) "
                      r"transport jobs\.", output)
    plan_runs, pending, in_progress, completed, jobs, *by_job_status, transports = map(int, plans.groups())
    assert plan_runs == pending + in_progress + completed == ProductionPlanRun.objects.for_tenant(demo).count()
    assert jobs == sum(by_job_status) == JobQueueEntry.objects.for_tenant(demo).count()
    assert transports == TransportJob.objects.for_tenant(demo).count() >= 1
    assert "Stockpile markers: 8 (2 with auto-production on: " in output


def test_creates_admin_and_operator_with_the_demo_password(demo):
    roles = dict(Membership.objects.filter(tenant=demo).values_list("user__username", "role"))

    assert roles == {"admin": "admin", "operator": "operator"}
    assert all(User.objects.get(username=name).check_password("demo farm password") for name in roles)


def test_once_changes_nothing_when_demo_exists(demo):
    before = counts(demo)

    outputs = [seed("--once"), seed("--once")]

    assert all("already exists; nothing to do" in output for output in outputs)
    assert counts(demo) == before
    assert Tenant.objects.filter(short_code="DEMO").count() == 1


def test_without_once_refuses_an_existing_demo(demo):
    with pytest.raises(CommandError, match="--once"):
        seed()


def test_seed_demo_prints_a_generated_password_and_keeps_existing_users_passwords(db, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    admin = User.objects.create_user(username="admin", password="the admin's own password")

    output = seed()

    admin.refresh_from_db()
    assert admin.check_password("the admin's own password")
    assert "admin (admin): existing user, password unchanged" in output
    generated = output.split("operator (operator): password ")[1].strip()
    assert User.objects.get(username="operator").check_password(generated)
