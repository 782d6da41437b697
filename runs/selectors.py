"""Production run reads: lists, detail, and the analytics (variance report, product history,
spool usage). Aggregates run in the database; lists run a fixed number of queries."""
from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone
from sequences import get_last_value

from inventory.models import InventoryTransaction, ItemType, Spool
from inventory.selectors import stock_on_hand
from plans.models import JobQueueEntry, Recipe, RecipeInput
from plans.selectors import part_needs, recipes_for_products
from prodtrack import charts
from prodtrack.exceptions import NotFoundError, ValidationError
from prodtrack.filters import apply_filters
from prodtrack.models import Tenant
from prodtrack.tenancy import get_for_tenant
from runs.actuals import MaterialActual, material_actuals_apply
from runs.filters import ProductionRunFilter
from runs.models import REFERENCE_RUN, ProductionRun, ProductionRunItem, ProductionRunMaterial, ProductionRunPart
from runs.numbers import run_number_format, run_number_sequence
from runs.variance import BAND_LIMIT_PCT, ONE_DECIMAL, Variance, material_variance, variance_band, variance_pct

ITEMS = Prefetch("items", queryset=ProductionRunItem.objects.select_related("product"))
MATERIALS = Prefetch("materials", queryset=ProductionRunMaterial.objects.select_related(
    "spool__item_type", "spool__location"))
ZERO = Decimal("0")
PARTS = Prefetch("parts", queryset=ProductionRunPart.objects.select_related("item_type"))
REPRINTS = Prefetch("reprints", queryset=ProductionRun.objects.live().only(
    "id", "run_number", "status", "original_run_id"))
# A product is "consistently" off when at least this many completed runs show it, its average
# is beyond the band and at least this share of its runs sit on that side.
RECOMMEND_MIN_RUNS = 3
RECOMMEND_MIN_SHARE = Decimal("0.6")


def production_run_list(*, tenant: Tenant, filters: Any = None) -> QuerySet[ProductionRun]:
    """Runs newest first with workstation and items (2 queries for any page: runs, items).

    Filters: q (run number), status (repeatable), date_from/date_to (start date), product,
    spool, workstation; ordering: started_at, run_number, variance (± for descending).
    """
    qs = ProductionRun.objects.for_tenant(tenant).select_related("workstation").prefetch_related(ITEMS)
    return apply_filters(ProductionRunFilter, filters, qs, tenant=tenant)


def production_run_get(*, tenant: Tenant, pk: Any) -> ProductionRun:
    """One run with items, materials (spool, material, location), parts used and reprints;
    NotFoundError (404) for another tenant's or a deleted run. Five queries whatever the number of
    items."""
    qs = (ProductionRun.objects.live()
          .select_related("workstation", "location", "original_run", "created_by")
          .prefetch_related(ITEMS, MATERIALS, PARTS, REPRINTS))
    return get_for_tenant(qs, tenant, pk, label="production run")


def run_number_preview(*, tenant: Tenant, started_at: datetime) -> str:
    """The run number a run started at ``started_at`` would get now (the day's last number + 1;
    one query). Only a preview: the number is allocated when the run is created."""
    name, day = run_number_sequence(tenant, started_at)
    return run_number_format(tenant, day, (get_last_value(name) or 0) + 1)


def run_item_get(*, run: ProductionRun, pk: Any) -> ProductionRunItem:
    """An item of ``run`` (already tenant-checked), or NotFoundError (404)."""
    return _child(ProductionRunItem, run, pk, "run item")


def run_material_get(*, run: ProductionRun, pk: Any) -> ProductionRunMaterial:
    """A material of ``run`` (already tenant-checked), or NotFoundError (404)."""
    return _child(ProductionRunMaterial, run, pk, "run material")


def _child(model, run: ProductionRun, pk: Any, label: str):
    try:
        child = model.objects.get(run=run, pk=int(pk))
    except (model.DoesNotExist, TypeError, ValueError):
        raise NotFoundError(f"{label.capitalize()} {pk} not found.", id=str(pk)) from None
    child.run = run
    return child


def run_materials_chart(*, materials: Sequence[ProductionRunMaterial]) -> dict[str, Any]:
    """A run's estimated vs actual grams (with purge) per material (``prodtrack.charts``): a row of
    two bars each, the actual one in the material's colour (blue without one; none before the run
    is completed), 52 px a row. Reads the materials' spools (``MATERIALS`` prefetches them)."""
    return charts.chart(
        kind="bar", horizontal=True, axis="grams", animate=False, height=max(180, 52 * len(materials)),
        labels=[f"#{material.spool_id} {material.spool.item_type.name}" for material in materials], datasets=[
            charts.series("Estimated (g)", [material.estimated_total_g for material in materials],
                          color="estimated", opacity=0.45),
            charts.series("Actual (g)", [material.actual_total_g for material in materials], color="actual",
                          points=[{"color": material.spool.item_type.color_hex or None} for material in materials])])


def _pct(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _variance_by_day(runs: QuerySet[ProductionRun], tenant: Tenant) -> list[dict[str, Any]]:
    """``runs`` (completed, with a variance) per start day in the tenant's time zone, oldest first:
    ``[{day, runs, estimated_g, actual_g, average_variance_pct}]`` (grams with purge). One query."""
    return [
        {"day": row["day"], "runs": row["runs"], "estimated_g": row["estimated_w"] + row["estimated_p"],
         "actual_g": row["actual_w"] + row["actual_p"], "average_variance_pct": _pct(row["average"])}
        for row in runs.annotate(day=TruncDate("started_at", tzinfo=ZoneInfo(tenant.time_zone or "UTC"))).values("day")
        .annotate(runs=Count("pk"), estimated_w=Sum("estimated_weight_g"), estimated_p=Sum("estimated_purge_g"),
                  actual_w=Sum("actual_weight_g"), actual_p=Sum("actual_purge_g"), average=Avg("variance_pct"))
        .order_by("day")]


_RUN_ITEMS = ProductionRunItem.objects.filter(run=OuterRef("run")).order_by().values("run")
_MONEY_SHARE = DecimalField(max_digits=20, decimal_places=10)
# A run item's share of its run's estimate: its estimated cost ÷ the run items' (by quantity without costs).
_ITEM_SHARE = ExpressionWrapper(Case(
    When(Exists(_RUN_ITEMS.filter(estimated_cost__gt=0)),
         then=F("estimated_cost") / Subquery(_RUN_ITEMS.annotate(total=Sum("estimated_cost")).values("total"))),
    default=Cast(F("quantity"), _MONEY_SHARE) / Subquery(_RUN_ITEMS.annotate(total=Sum("quantity")).values("total")),
), output_field=_MONEY_SHARE)


def variance_report(*, tenant: Tenant, filters: Any = None) -> dict[str, Any]:
    """Variance across completed runs (filters: date_from, date_to, product).

    Returns ``{"summary": {runs, average_variance_pct, estimated_g, actual_g, total_variance_pct},
    "products": [{product_id, product_name, runs, average_variance_pct, over_runs, under_runs}],
    "by_day": [{day, runs, estimated_g, actual_g, average_variance_pct}], "recommendations":
    [{product_id, product_name, average_variance_pct, runs, message}]}``; days are in the tenant's
    time zone; failed and cancelled runs are left out. Four queries (three aggregates, the recipes).
    On a plate with several products, each product gets its share of the run's estimate and of its
    difference (its items' estimated cost ÷ the run's, by quantity when no item has a cost), so a
    product's average variance is its apportioned difference ÷ its apportioned estimate (grams with
    purge, weighted); ``over_runs`` / ``under_runs`` count its runs by the whole run's band. A
    recommendation carries ``recipe_id``: the product's active recipe (None without one).
    """
    data = {key: value for key, value in (filters or {}).items() if key in {"date_from", "date_to", "product"}}
    runs = production_run_list(tenant=tenant, filters=data).filter(
        status=ProductionRun.Status.COMPLETED, variance_pct__isnull=False).order_by()
    totals = runs.aggregate(runs=Count("pk"), average=Avg("variance_pct"), estimated_w=Sum("estimated_weight_g"),
                            estimated_p=Sum("estimated_purge_g"), actual_w=Sum("actual_weight_g"),
                            actual_p=Sum("actual_purge_g"))
    estimated = (totals["estimated_w"] or 0) + (totals["estimated_p"] or 0)
    actual = (totals["actual_w"] or 0) + (totals["actual_p"] or 0)
    products = list(
        ProductionRunItem.objects.filter(run__in=runs.values("pk"))
        .annotate(share=_ITEM_SHARE).values("product_id", "product__name")
        .annotate(runs=Count("run", distinct=True),
                  estimated=Sum(F("share") * (F("run__estimated_weight_g") + F("run__estimated_purge_g"))),
                  difference=Sum(F("share") * (F("run__actual_weight_g") + F("run__actual_purge_g")
                                               - F("run__estimated_weight_g") - F("run__estimated_purge_g"))),
                  over_runs=Count("run", distinct=True, filter=Q(run__variance_pct__gt=BAND_LIMIT_PCT)),
                  under_runs=Count("run", distinct=True, filter=Q(run__variance_pct__lt=-BAND_LIMIT_PCT)))
        .order_by("product__name"))
    recipes = dict(Recipe.objects.for_tenant(tenant).filter(
        product_id__in=[row["product_id"] for row in products], is_active=True)
        .order_by("product_id", "id").distinct("product_id").values_list("product_id", "pk"))
    by_day = _variance_by_day(runs, tenant)
    rows, recommendations = [], []
    for row in products:
        average = _pct(row["difference"] / row["estimated"] * 100) if row["estimated"] else None
        rows.append({"product_id": row["product_id"], "product_name": row["product__name"], "runs": row["runs"],
                     "average_variance_pct": average, "over_runs": row["over_runs"],
                     "under_runs": row["under_runs"]})
        side = variance_band(average) if average is not None else None
        same_side = row["over_runs"] if side == "over" else row["under_runs"]
        if side in {"over", "under"} and row["runs"] >= RECOMMEND_MIN_RUNS \
                and same_side >= RECOMMEND_MIN_SHARE * row["runs"]:
            recommendations.append({
                "product_id": row["product_id"], "product_name": row["product__name"], "runs": row["runs"],
                "average_variance_pct": average, "recipe_id": recipes.get(row["product_id"]),
                "message": f"{row['product__name']} is consistently {abs(average):.0f} % {side} estimate "
                           f"— update its recipe."})
    rows.sort(key=lambda row: (row["average_variance_pct"] is None, -(row["average_variance_pct"] or 0),
                               row["product_name"]))
    return {
        "summary": {"runs": totals["runs"], "average_variance_pct": _pct(totals["average"]),
                    "estimated_g": estimated, "actual_g": actual,
                    "total_variance_pct": _pct((actual - estimated) / estimated * 100) if estimated else None},
        "products": rows, "by_day": by_day, "recommendations": recommendations,
    }


def variance_report_charts(*, by_day: list[dict[str, Any]], products: list[dict[str, Any]]) -> dict[str, Any]:
    """The variance dashboard's two charts (``prodtrack.charts``): ``days``, estimated vs actual grams
    per day as lines, and ``products``, each product's average variance as a bar in its band's colour.

    by_day: ``variance_report``'s ``by_day`` rows; products: its product rows (``product_name``,
    ``average_variance_pct``) in the order the page lists them. No query.
    """
    return {
        "days": charts.chart(kind="line", axis="grams", labels=[row["day"].isoformat() for row in by_day], datasets=[
            charts.series("Estimated (g)", [row["estimated_g"] for row in by_day], color="estimated", dashed=True),
            charts.series("Actual (g)", [row["actual_g"] for row in by_day], color="actual")]),
        "products": charts.chart(
            kind="bar", axis="% over (+) / under (−) estimate", legend=None,
            labels=[row["product_name"] for row in products], datasets=[
                charts.series("Average variance (%)", [row["average_variance_pct"] for row in products],
                              color="secondary", opacity=0.8,
                              points=[{"band": variance_band(row["average_variance_pct"])} for row in products])]),
    }


ITEM_ACTUAL_COST = ExpressionWrapper(
    Case(When(run__estimated_cost__gt=0, run__actual_cost__isnull=False,
              then=F("estimated_cost") * F("run__actual_cost") / F("run__estimated_cost")),
         default=None),
    output_field=DecimalField(max_digits=14, decimal_places=4))


def product_production_history(*, tenant: Tenant, product: ItemType) -> tuple[dict[str, Any], QuerySet]:
    """A product's production: ``(summary, items)``.

    ``items`` are its run items newest first with their run (for a paginated table), each with
    ``actual_cost``: the item's estimated cost scaled by its run's actual ÷ estimated material
    cost (and so ``cost_variance_pct``). ``summary``: runs, planned / successful / failed pieces,
    estimated cost per planned piece and actual cost per good piece (waste included) over
    completed runs, and ``cost_variance_pct``: actual per good piece vs estimated per piece (%,
    None when either is missing).
    """
    items = (ProductionRunItem.objects.for_tenant(tenant).filter(product=product)
             .select_related("run").annotate(actual_cost=ITEM_ACTUAL_COST).order_by("-run__started_at", "-pk"))
    done = items.filter(run__status=ProductionRun.Status.COMPLETED)
    sums = done.aggregate(runs=Count("run", distinct=True), planned=Sum("quantity"), good=Sum("successful_quantity"),
                          failed=Sum("failed_quantity"), estimated=Sum("estimated_cost"), actual=Sum("actual_cost"))
    cent = Decimal("0.01")
    summary = {
        "product_id": product.pk, "product_name": product.name, "runs": sums["runs"],
        "planned": sums["planned"] or 0, "successful": sums["good"] or 0, "failed": sums["failed"] or 0,
        "estimated_cost_per_piece": (sums["estimated"] / sums["planned"]).quantize(cent) if sums["planned"] else None,
        "actual_cost_per_piece": (sums["actual"] / sums["good"]).quantize(cent)
        if sums["good"] and sums["actual"] is not None else None,
    }
    summary["cost_variance_pct"] = variance_pct(summary["actual_cost_per_piece"], summary["estimated_cost_per_piece"])
    return summary, items


def spool_production_usage(*, tenant: Tenant, spool: Spool) -> tuple[dict[str, Any], QuerySet]:
    """Which runs used a spool: ``(summary, materials)``.

    ``materials`` are the spool's run materials newest first with their run; ``summary`` gives
    the runs and the net grams the ledger says production took from it (usage minus reversals).
    """
    materials = (ProductionRunMaterial.objects.for_tenant(tenant).filter(spool=spool)
                 .select_related("run").order_by("-run__started_at", "-pk"))
    used = (InventoryTransaction.objects.for_tenant(tenant).filter(spool=spool, reference_type=REFERENCE_RUN)
            .aggregate(total=Sum("quantity"))["total"] or Decimal("0"))
    return {"spool_id": spool.pk, "runs": materials.values("run").distinct().count(), "used_g": -used}, materials


def dashboard_runs(*, tenant: Tenant, limit: int = 8, days: int = 30) -> dict[str, Any]:
    """The runs on the dashboard: ``{"in_progress": [...], "in_progress_count": int, "recent": [...]}``.

    ``in_progress``: up to ``limit`` runs in progress, longest running first; ``in_progress_count``:
    all of them; ``recent``: the last ``limit`` completed runs started in the last ``days`` days,
    latest completion first (the start-date index bounds the sort: over 100,000 runs, sorting every
    completed run by completion took 85 ms, these 30 days 6 ms). Runs come with their workstation
    and their items' products. Four queries whatever the number of runs (in progress, their count,
    completed, the items of both lists; no items query when both lists are empty).
    """
    runs = ProductionRun.objects.for_tenant(tenant).select_related("workstation")
    running = runs.filter(status=ProductionRun.Status.IN_PROGRESS)
    in_progress = list(running.order_by("started_at", "pk")[:limit])
    recent = list(runs.filter(status=ProductionRun.Status.COMPLETED,
                              started_at__gte=timezone.now() - timedelta(days=days))
                  .order_by("-completed_at", "-pk")[:limit])
    prefetch_related_objects(in_progress + recent, ITEMS)
    return {"in_progress": in_progress, "in_progress_count": running.count(), "recent": recent}


def variance_trend(*, tenant: Tenant, days: int = 30, today: date | None = None) -> list[dict[str, Any]]:
    """Filament variance of completed runs per start day over the last ``days`` days (``today``,
    the tenant's today by default, included), oldest first: one row per day, ``{day, runs,
    estimated_g, actual_g, average_variance_pct}`` (grams with purge, Decimal; percent to 0.1),
    days without a completed run as ``runs`` 0 and None values. One aggregate query in the
    database (the cheap part of ``variance_report``)."""
    zone = ZoneInfo(tenant.time_zone or "UTC")
    today = today or timezone.localdate(timezone=zone)
    first = today - timedelta(days=days - 1)
    runs = ProductionRun.objects.for_tenant(tenant).filter(
        status=ProductionRun.Status.COMPLETED, variance_pct__isnull=False,
        started_at__gte=datetime.combine(first, time.min, tzinfo=zone),
        started_at__lt=datetime.combine(today + timedelta(days=1), time.min, tzinfo=zone)).order_by()
    found = {row["day"]: row for row in _variance_by_day(runs, tenant)}
    empty = {"runs": 0, "estimated_g": None, "actual_g": None, "average_variance_pct": None}
    return [found.get(day) or {"day": day, **empty} for day in (first + timedelta(days=n) for n in range(days))]


# --- completing a run: the form's rows and its live variance preview ------------------------------

def production_run_for_completion(*, tenant: Tenant, pk: Any, items: bool = True) -> ProductionRun:
    """A run as its complete form shows it: workstation, output location, materials (spool,
    material, location) and, unless ``items`` is False (the variance preview), items with their
    products.
    NotFoundError (404) for another tenant's or a deleted run. Two queries (three with items),
    whatever the number of materials and items."""
    prefetch = [MATERIALS, ITEMS] if items else [MATERIALS]
    qs = (ProductionRun.objects.live().select_related("tenant", "workstation", "location")
          .prefetch_related(*prefetch))
    return get_for_tenant(qs, tenant, pk, label="production run")


@dataclass(frozen=True)
class MaterialPreview:
    """One run material as completing the run would record it.

    ``material`` is a copy carrying the would-be ``actual_weight_g`` and ``actual_purge_g``
    (grams; None while its actual is not given or breaks a rule); ``variance`` is its weight,
    purge and total (weight + purge) variance in grams and percent (``material_variance``);
    ``errors`` maps a ``MaterialActual`` field to the completion's messages about it, e.g.
    ``{"weight_after_g": ["is more than the weight before."]}``.
    """

    material: ProductionRunMaterial
    variance: dict[str, Variance]
    errors: dict[str, list[str]]

    @property
    def total(self) -> Variance:
        return self.variance["total"]

    @property
    def is_off(self) -> bool:
        """More than 10 % over or under its estimate (total filament)."""
        return self.total.band in ("over", "under")


@dataclass(frozen=True)
class CompletionPreview:
    """Every material's ``MaterialPreview`` (in the run's order) and the run's ``total`` filament
    variance (grams, weight + purge; the actual only once every material has one)."""

    materials: list[MaterialPreview]
    total: Variance

    @property
    def off(self) -> list[MaterialPreview]:
        """The materials more than 10 % off their estimate."""
        return [row for row in self.materials if row.is_off]

    @property
    def waiting(self) -> int:
        """How many materials have no actual yet (not given, or given with an error)."""
        return sum(1 for row in self.materials if row.material.actual_weight_g is None)


def production_run_complete_preview(*, materials: Sequence[ProductionRunMaterial],
                                    actuals: Sequence[MaterialActual | None]) -> CompletionPreview:
    """What ``production_run_complete`` would record for ``actuals`` (one per material, same
    order; None: not given, so an actual recorded earlier counts): each material's actual grams,
    difference and variance, and the run's total filament variance.

    Applies the completion's own rule (``runs.services``: the estimate, the scale readings
    before − after − purge, or grams; purge by default the estimate) to copies of ``materials``,
    one material at a time so each gets its own errors. No query, nothing written, the given
    objects untouched.
    """
    rows = []
    for material, actual in zip(materials, actuals, strict=True):
        material = copy.copy(material)
        errors: dict[str, list[str]] = {}
        if actual is not None:
            try:
                material_actuals_apply([material], [actual], require_all=False)
            except ValidationError as error:
                errors = {path.split(".", 1)[-1]: messages for path, messages in error.fields.items()}
                material.actual_weight_g = material.actual_purge_g = None
        rows.append(MaterialPreview(material=material, variance=material_variance(material), errors=errors))
    actual = [row.material.actual_total_g for row in rows]
    total = Variance(sum((row.material.estimated_total_g for row in rows), Decimal("0")),
                     None if None in actual else sum(actual, Decimal("0")))
    return CompletionPreview(materials=rows, total=total)


# --- the parts and components a run consumes ------------------------------------------------------

@dataclass
class RunParts:
    """The parts and components a run's recipes take (DESIGN §4), as unsaved ``ProductionRunPart``
    rows with ``estimated_quantity`` = ``quantity`` (in the item's unit), in the recipes' order;
    ``unrecorded`` names the attempted products whose recipe takes inputs, or that have no recipe,
    so that a completion recording nothing used cannot be believed."""

    parts: list[ProductionRunPart]
    unrecorded: list[str]


def _run_recipes(run: ProductionRun, product_ids: set[int]) -> dict[int, tuple[Recipe, Decimal]]:
    """Product id → (its recipe, material efficiency %): the job's recipe and efficiency for the
    job's product of a run started from a job, otherwise the product's recipe at 0 %. 2–4 queries."""
    recipes = {product_id: (recipe, ZERO) for product_id, recipe
               in recipes_for_products(tenant=run.tenant, product_ids=product_ids).items()}
    if run.job_id is not None:
        job_inputs = Prefetch("recipe__inputs", queryset=RecipeInput.objects.select_related("item_type"))
        job = JobQueueEntry.objects.select_related("recipe").prefetch_related(job_inputs).filter(pk=run.job_id).first()
        if job is not None and job.product_id in product_ids:
            recipes[job.product_id] = (job.recipe, job.material_efficiency)
    return recipes


def run_parts_expected(*, run: ProductionRun, items: Sequence[ProductionRunItem], planned: bool = False) -> RunParts:
    """What ``items`` of ``run`` take of each non-filament input: for each product, plates =
    ⌈pieces attempted (successful + failed; with ``planned``, the planned pieces) ÷ its recipe's
    output per plate⌉, and per input ``plans.selectors.part_needs`` for those plates — with the
    job's material efficiency for a run started from a job, so a plan's child jobs exactly cover
    it (DESIGN §4, §5). Unit costs are the items' current ones. 2–4 queries."""
    pieces: dict[int, int] = {}
    names: dict[int, str] = {}
    for item in items:
        attempted = item.quantity if planned else item.successful_quantity + item.failed_quantity
        if attempted:
            pieces[item.product_id] = pieces.get(item.product_id, 0) + attempted
            names[item.product_id] = item.product.name
    recipes = _run_recipes(run, set(pieces)) if pieces else {}
    parts: dict[int, ProductionRunPart] = {}
    unrecorded = []
    for product_id, count in pieces.items():
        recipe, efficiency = recipes.get(product_id, (None, ZERO))
        inputs = list(recipe.inputs.all()) if recipe is not None else []
        if recipe is None or inputs:
            unrecorded.append(names[product_id])
        plates = -(-count // recipe.output_quantity) if recipe is not None else 0
        items_by_id = {line.item_type_id: line.item_type for line in inputs}
        for item_id, needed in part_needs(inputs, runs=plates, material_efficiency=efficiency).items():
            part = parts.setdefault(item_id, ProductionRunPart(
                run=run, item_type=items_by_id[item_id], estimated_quantity=ZERO,
                unit_cost=items_by_id[item_id].unit_cost))
            part.estimated_quantity += needed
            part.quantity = part.estimated_quantity
    return RunParts(parts=list(parts.values()), unrecorded=unrecorded)


def run_parts_on_hand(*, run: ProductionRun, parts: Sequence[ProductionRunPart]) -> dict[int, Decimal]:
    """Stock on hand of each part at the run's location (item type id → quantity); one query, none
    without a location or parts."""
    if run.location_id is None or not parts:
        return {}
    stock = stock_on_hand(tenant=run.tenant, pairs=[(part.item_type_id, run.location_id) for part in parts])
    return {item_id: quantity for (item_id, _), quantity in stock.items()}
