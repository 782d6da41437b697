"""The auto-production runner (DESIGN §6).

The runner — ``auto_production_tick`` — is driven by Celery beat every
``AUTO_PRODUCTION_INTERVAL_SEC`` (``stockpiles.tasks``), by ``POST /api/v1/auto-production/runs``
and by ``manage.py run_auto_production``. For each tenant it records one append-only
``AutoProductionRun`` and, under that tenant's PostgreSQL advisory lock:

1. **load_markers** — the tenant's markers with auto-production on (enabled, with a plan): 1 query;
2. **compute_deficits** — stock on hand of every marker's (item, location) pair in 1 query; gross
   deficit = max(0, desired − on hand); markers grouped by (owner, plan): gross deficits summed,
   MAX(parallelism) kept;
3. **subtract_pending** — the plans (root step present, last auto run) in 1 query and their
   pending output in 1 query: Σ ``quantity`` of their open (planned or active) jobs that make the
   plan's product, i.e. root jobs × output per run (a job's quantity is runs × the recipe's output,
   the pieces it will add). A plan's pending output is subtracted once per plan: when several owners'
   groups share a plan, it is credited to them in owner order until used up, so the plan gets
   max(0, Σ gross − pending) generated in all. Groups whose net deficit ≤ 0 are skipped ("covered by
   pending output"), then groups whose plan had an auto run within the interval ("cooldown", see
   ``stockpiles.selectors.cooldown_since``), then plans without a root step ("plan has no steps");
4. **generate** — the owners in 1 query, then per group ``plans.services.plan_generate(source=auto,
   by=owner, quantity=ceil(net), parallelism=MAX(parallelism))`` in its own savepoint: a group whose
   generation fails is recorded under ``failed`` (its writes rolled back) and the others go on; one
   that generates no job (e.g. the root step has no recipe) is rolled back and skipped.

Read queries per tick do not grow with the number of markers (generation aside: it costs the same
fixed queries per generated group).

Exactly once per window: a beat tick's ``idempotency_key`` is its interval window
(``beat:<window start, UTC>/PT<interval>S``), unique per tenant, and the row is inserted (and
committed) before anything else: two workers, two beat processes or a retried task in the same
window find the row and return it without running. Manual ticks (API, command) get a key of their
own (``manual:<uuid>``, ``command:<uuid>``) so they are never absorbed by the beat window; the
API's ``Idempotency-Key`` header de-duplicates retried requests. A tick that cannot take the
tenant's advisory lock, because another tick of the tenant still runs, ends ``skipped``.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, Decimal
from time import perf_counter
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Subquery, Sum
from django.utils import timezone

from inventory.models import StockBalance
from plans.models import ProductionPlan, ProductionPlanRun, ProductionPlanStep
from plans.services import plan_generate
from prodtrack.exceptions import ApplicationError
from prodtrack.models import Tenant, User
from prodtrack.telemetry import traced
from stockpiles.models import AutoProductionRun, StockpileMarker
from stockpiles.selectors import AUTO_ON, cooldown_since, open_root_jobs
from stockpiles.services.run_log import (
    auto_production_lock,
    auto_production_run_move,
    auto_production_run_open,
    auto_production_runs_abandoned_fail,
    beat_window,
)

logger = logging.getLogger(__name__)
Status = AutoProductionRun.Status
Trigger = AutoProductionRun.Trigger
ZERO = Decimal("0")


class _Steps:
    """Per-step metrics: name, status, duration and counts."""

    def __init__(self) -> None:
        self.started = perf_counter()
        self.steps: list[dict[str, Any]] = []

    @contextmanager
    def step(self, name: str) -> Iterator[dict[str, Any]]:
        entry: dict[str, Any] = {"name": name, "status": "running", "duration_ms": 0.0, "counts": {}}
        self.steps.append(entry)
        started = perf_counter()
        try:
            yield entry["counts"]
            entry["status"] = "succeeded"
        except BaseException:
            entry["status"] = "failed"
            raise
        finally:
            entry["duration_ms"] = round((perf_counter() - started) * 1000, 3)

    def as_json(self) -> dict[str, Any]:
        return {"duration_ms": round((perf_counter() - self.started) * 1000, 3), "steps": self.steps}


@dataclass
class _Group:
    """Markers of one owner on one plan."""

    owner_id: int
    plan_id: int
    markers: int = 0
    markers_below_target: int = 0
    gross: Decimal = ZERO
    parallelism: int = 0
    locations: set[int] = field(default_factory=set)   # where its markers below target keep stock
    pending: Decimal = ZERO          # the part of the plan's pending output credited to this group
    decision: dict[str, Any] = field(default_factory=dict)

    @property
    def net(self) -> Decimal:
        return max(ZERO, self.gross - self.pending)


def _decimal(value: Decimal) -> str:
    """A quantity in the output: a string with 3 decimals, like the API's quantities."""
    return str(Decimal(value).quantize(Decimal("0.001")))


def _entry(group: _Group, plans: dict[int, ProductionPlan], owners: dict[int, User], **extra: Any) -> dict[str, Any]:
    """One group's line in the tick's output."""
    plan, owner = plans.get(group.plan_id), owners.get(group.owner_id)
    return {"owner": {"id": group.owner_id, "username": owner.username if owner else None},
            "plan": {"id": group.plan_id, "name": plan.name if plan else None},
            "markers": group.markers, "gross_deficit": _decimal(group.gross),
            "pending_output": _decimal(group.pending), "net_deficit": _decimal(group.net), **extra}


SKIP_MESSAGES = {
    "covered_by_pending": "Covered by pending output: planned and active jobs of the plan will fill the deficit.",
    "cooldown": "Cooldown: the plan had an auto-production run within the interval.",
    "plan_has_no_steps": "The plan has no steps (no root step to generate).",
    "plan_deleted": "The plan was deleted while the tick ran.",
    "plan_not_generable": "Nothing to generate",
    "delivers_elsewhere": "The plan's output lands at another location than the marker's: its deficit could never "
                          "close, so nothing is generated. Choose a plan that delivers there.",
}


class _NothingGenerated(Exception):
    """Raised inside a group's savepoint to roll back a plan run without jobs."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def _load_markers(tenant: Tenant) -> list[tuple]:
    return list(StockpileMarker.objects.for_tenant(tenant).filter(AUTO_ON).order_by()
                .values_list("owner_id", "plan_id", "item_type_id", "location_id", "desired_quantity",
                             "auto_production_parallelism"))


def _balances(tenant: Tenant) -> dict[tuple[int, int], Decimal]:
    """Stock on hand of every (item, location) pair a marker with auto-production on watches: one query."""
    watched = StockpileMarker.objects.filter(AUTO_ON, tenant=tenant, item_type_id=OuterRef("item_type_id"),
                                             location_id=OuterRef("location_id"))
    rows = (StockBalance.objects.for_tenant(tenant).filter(Exists(watched)).order_by()   # no join for the default order
            .values_list("item_type_id", "location_id", "quantity"))
    return {(item_type_id, location_id): quantity for item_type_id, location_id, quantity in rows}


def _groups(markers: list[tuple], on_hand: dict[tuple[int, int], Decimal]) -> list[_Group]:
    """Markers grouped by (owner, plan) with their gross deficits summed. Markers of several members
    on one (item, location) describe one shelf (DESIGN §6): only the one with the larger desired
    quantity (the lower owner id on a tie) counts its deficit, so the shelf is netted once."""
    shelf_keeper: dict[tuple[int, int], tuple[Decimal, int]] = {}
    for owner_id, _, item_type_id, location_id, desired, _ in markers:
        best = shelf_keeper.get((item_type_id, location_id))
        if best is None or (desired, -owner_id) > best:
            shelf_keeper[(item_type_id, location_id)] = (desired, -owner_id)
    groups: dict[tuple[int, int], _Group] = {}
    for owner_id, plan_id, item_type_id, location_id, desired, parallelism in markers:
        group = groups.setdefault((owner_id, plan_id), _Group(owner_id=owner_id, plan_id=plan_id))
        group.markers += 1
        group.parallelism = max(group.parallelism, parallelism)
        if shelf_keeper[(item_type_id, location_id)] != (desired, -owner_id):
            continue                      # another member's marker on this shelf counts it
        gross = max(ZERO, desired - on_hand.get((item_type_id, location_id), ZERO))
        group.markers_below_target += gross > 0
        group.gross += gross
        if gross > 0:
            group.locations.add(location_id)
    return sorted(groups.values(), key=lambda g: (g.plan_id, g.owner_id))


def _plans(tenant: Tenant, plan_ids: set[int], now: datetime) -> dict[int, ProductionPlan]:
    """The plans with ``has_steps``, ``root_location_id`` (where their output lands) and
    ``last_auto_run_at`` (within the cooldown, else None): one query."""
    recent_auto = (ProductionPlanRun.objects.filter(plan_id=OuterRef("pk"), source=ProductionPlanRun.Source.AUTO,
                                                    created_at__gt=cooldown_since(now))
                   .order_by("-created_at").values("created_at")[:1])
    qs = (ProductionPlan.objects.for_tenant(tenant).filter(pk__in=plan_ids).select_related("tenant", "product")
          .annotate(has_steps=Exists(ProductionPlanStep.objects.filter(plan_id=OuterRef("pk"), parent__isnull=True)),
                    root_location_id=Subquery(ProductionPlanStep.objects.filter(
                        plan_id=OuterRef("pk"), parent__isnull=True).values("location_id")[:1]),
                    last_auto_run_at=Subquery(recent_auto)))
    return {plan.pk: plan for plan in qs}


def _pending_output(tenant: Tenant, plan_ids: set[int]) -> dict[int, Decimal]:
    """Pending output per plan (see the module docstring): one query."""
    rows = (open_root_jobs().filter(tenant=tenant, plan_run__plan_id__in=plan_ids).order_by()
            .values_list("plan_run__plan_id").annotate(total=Sum("quantity")))
    return {plan_id: Decimal(total) for plan_id, total in rows}


def _decide(groups: list[_Group], plans: dict[int, ProductionPlan], pending: dict[int, Decimal]) -> None:
    """Credit each plan's pending output to its groups (in owner order) and set each group's
    ``decision``: ``{"skip": reason}`` or ``{"generate": True}``."""
    left = dict(pending)
    for group in groups:
        if group.gross <= 0:
            group.decision = {"skip": "no_deficit"}
            continue
        plan = plans.get(group.plan_id)
        if plan is not None and plan.has_steps and group.locations - {plan.root_location_id}:
            group.decision = {"skip": "delivers_elsewhere", "delivers_to_location_id": plan.root_location_id,
                              "marker_location_ids": sorted(group.locations)}
            continue
        credit = min(group.gross, left.get(group.plan_id, ZERO))
        group.pending = credit
        left[group.plan_id] = left.get(group.plan_id, ZERO) - credit
        if group.net <= 0:
            group.decision = {"skip": "covered_by_pending"}
        elif plan is not None and plan.last_auto_run_at is not None:
            group.decision = {"skip": "cooldown", "last_auto_run_at": plan.last_auto_run_at.isoformat()}
        elif plan is None:
            group.decision = {"skip": "plan_deleted"}
        elif not plan.has_steps:
            group.decision = {"skip": "plan_has_no_steps"}
        else:
            group.decision = {"generate": True}


def _generate(group: _Group, plan: ProductionPlan, owner: User | None, now: datetime) -> dict[str, Any]:
    """Generate the group's plan run in its own savepoint; its output line's extra fields."""
    quantity = int(group.net.to_integral_value(rounding=ROUND_CEILING))
    with transaction.atomic():
        result = plan_generate(plan=plan, by=owner, quantity=quantity, parallelism=group.parallelism,
                               source=ProductionPlanRun.Source.AUTO, at=now)
        if not result.jobs:
            raise _NothingGenerated([f"{s.product_name}: {s.reason}" for s in result.generation.skipped])
        if connection.vendor == "postgresql":
            connection.check_constraints()   # deferred FK checks now, inside the savepoint, not at the tick's commit
    return {"plan_run_id": result.run.pk, "quantity": quantity, "parallelism": group.parallelism,
            "jobs": len(result.jobs)}


def _run_steps(*, tenant: Tenant, now: datetime, steps: _Steps) -> dict[str, Any]:
    """The four steps of a tick (module docstring); returns the tick's output."""
    with steps.step("load_markers") as counts:
        markers = _load_markers(tenant)
        counts["markers"] = len(markers)
    with steps.step("compute_deficits") as counts:
        on_hand = _balances(tenant)
        groups = _groups(markers, on_hand)
        counts.update(balances=len(on_hand), groups=len(groups),
                      markers_below_target=sum(g.markers_below_target for g in groups),
                      groups_with_deficit=sum(1 for g in groups if g.gross > 0),
                      gross_deficit=_decimal(sum((g.gross for g in groups), ZERO)))
    with steps.step("subtract_pending") as counts:
        with_deficit = [g for g in groups if g.gross > 0]
        plan_ids = {g.plan_id for g in with_deficit}
        plans = _plans(tenant, plan_ids, now) if plan_ids else {}
        pending = _pending_output(tenant, plan_ids) if plan_ids else {}
        _decide(groups, plans, pending)
        decided = [g.decision.get("skip", "generate") for g in with_deficit]
        counts.update(plans=len(plans), pending_output=_decimal(sum(pending.values(), ZERO)),
                      groups_covered=decided.count("covered_by_pending"),
                      groups_cooling_down=decided.count("cooldown"),
                      groups_without_steps=decided.count("plan_has_no_steps"),
                      groups_delivering_elsewhere=decided.count("delivers_elsewhere"),
                      groups_to_generate=decided.count("generate"))
    output: dict[str, Any] = {"plan_runs": [], "skipped": [], "failed": [],
                              "groups_without_deficit": len(groups) - len(with_deficit)}
    with steps.step("generate") as counts:
        owner_ids = {g.owner_id for g in with_deficit}
        owners = User.objects.only("id", "username").in_bulk(owner_ids) if owner_ids else {}
        jobs = 0
        for group in with_deficit:
            reason = group.decision.get("skip")
            if reason:
                extra = {k: v for k, v in group.decision.items() if k != "skip"}
                output["skipped"].append(_entry(group, plans, owners, reason=reason, message=SKIP_MESSAGES[reason],
                                                **extra))
                continue
            try:
                created = _generate(group, plans[group.plan_id], owners.get(group.owner_id), now)
            except _NothingGenerated as nothing:
                output["skipped"].append(_entry(group, plans, owners, reason="plan_not_generable",
                                                message=f"{SKIP_MESSAGES['plan_not_generable']}: {nothing}."))
            except ApplicationError as error:
                output["failed"].append(_entry(group, plans, owners, error_code=error.code, message=error.message))
            except Exception as error:  # noqa: BLE001 - one group's failure must not stop the others
                logger.exception("auto-production: generating plan %s for owner %s failed", group.plan_id,
                                 group.owner_id)
                output["failed"].append(_entry(group, plans, owners, error_code="internal_error",
                                               message=f"{type(error).__name__}: {error}"[:1000]))
            else:
                jobs += created["jobs"]
                output["plan_runs"].append(_entry(group, plans, owners, **created))
        counts.update(plan_runs_created=len(output["plan_runs"]), jobs_created=jobs,
                      groups_skipped=len(output["skipped"]), groups_failed=len(output["failed"]))
    return output


@traced("auto_production.tenant_tick")
def auto_production_tenant_tick(*, tenant: Tenant, key: str, triggered_by: str, by: User | None = None,
                                now: datetime | None = None, window_start: datetime | None = None
                                ) -> AutoProductionRun:
    """One tick for one tenant under the idempotency ``key``; returns its ``AutoProductionRun``.

    The row is inserted first; if the key is taken the existing row is returned with
    ``deduplicated = True`` and nothing runs. Then the tenant's advisory lock: not available →
    the row ends ``skipped``. Otherwise ``running``, the steps, and ``succeeded`` with metrics and
    output — or ``failed`` with ``error_code``/``error_message`` and the metrics so far when a step
    outside the groups fails (the error is logged, not raised: the row is the report).

    Transactions: the row is inserted, and later marked running, in short transactions of their
    own, so it is visible while the tick works; the steps, every plan run generated (each group in
    a savepoint) and the ``succeeded`` record then commit together — a tick that fails or dies
    half-way leaves no plan runs behind.
    """
    now = now or timezone.now()
    run, created = auto_production_run_open(tenant=tenant, key=key, triggered_by=triggered_by, by=by, window_start=window_start)
    run.deduplicated = not created
    if not created:
        return run
    with auto_production_lock(tenant_id=tenant.pk) as acquired:
        if not acquired:
            return auto_production_run_move(run, Status.SKIPPED, finished_at=timezone.now(), output={
                "reason": "locked", "message": "Another auto-production tick of this tenant was still running."})
        auto_production_runs_abandoned_fail(run, timezone.now())
        auto_production_run_move(run, Status.RUNNING, started_at=timezone.now())
        steps = _Steps()
        try:
            with transaction.atomic():
                output = _run_steps(tenant=tenant, now=now, steps=steps)
                return auto_production_run_move(run, Status.SUCCEEDED, finished_at=timezone.now(), metrics=steps.as_json(),
                                   output=output)
        except Exception as error:  # noqa: BLE001 - recorded on the run
            logger.exception("auto-production tick %s of tenant %s failed", run.pk, tenant.pk)
            return auto_production_run_move(run, Status.FAILED, finished_at=timezone.now(), metrics=steps.as_json(),
                               error_code=error.code if isinstance(error, ApplicationError) else "internal_error",
                               error_message=(error.message if isinstance(error, ApplicationError)
                                              else f"{type(error).__name__}: {error}")[:2000])


def _tick_tenants() -> list[Tenant]:
    """Tenants with at least one marker with auto-production on: one query."""
    return list(Tenant.objects.filter(Exists(StockpileMarker.objects.filter(AUTO_ON, tenant=OuterRef("pk"))))
                .order_by("pk"))


@traced("auto_production.tick")
def auto_production_tick(*, now: datetime | None = None, triggered_by: str = Trigger.BEAT, by: User | None = None,
                         tenant: Tenant | None = None) -> list[AutoProductionRun]:
    """A tick of the runner for ``tenant``, or for every tenant with auto-production markers; one
    ``AutoProductionRun`` per tenant (see ``auto_production_tenant_tick``).

    ``triggered_by`` beat: keyed by the interval window of ``now`` (at most one tick per tenant and
    window); manual or command: a fresh key (never absorbed by the window). ``now`` (default: the
    current time) places the window, starts the cooldown and dates the plan runs generated.
    A tenant whose tick raises (e.g. the database went away) is logged and the others still run.
    """
    now = now or timezone.now()
    if triggered_by == Trigger.BEAT:
        window_start, key = beat_window(now, settings.AUTO_PRODUCTION_INTERVAL_SEC)
    else:
        window_start, key = None, f"{triggered_by}:{uuid.uuid4().hex}"
    runs = []
    for each in ([tenant] if tenant is not None else _tick_tenants()):
        try:
            runs.append(auto_production_tenant_tick(tenant=each, key=key, triggered_by=triggered_by, by=by, now=now,
                                                    window_start=window_start))
        except Exception:
            if tenant is not None:
                raise
            logger.exception("auto-production tick of tenant %s could not run", each.pk)
    return runs


@traced("auto_production.run_now")
def auto_production_run_now(*, tenant: Tenant, by: User, now: datetime | None = None) -> AutoProductionRun:
    """"Run now" for one tenant (API, pages): a manual tick with its own key."""
    (run,) = auto_production_tick(now=now, triggered_by=Trigger.MANUAL, by=by, tenant=tenant)
    return run
