"""The demo print farm's production history: weeks of a farm's life, replayed in time order.

``replay_history`` is called by ``demo.services.demo_seed`` once the farm's printers, products and
recipes exist. It plays spool deliveries, weigh-ins and production runs in the order they happen,
through ``inventory.services`` and ``runs.services`` only, so each spool's ledger adds up at every
moment of its history, not only at the end:

* each morning the farm reorders a material when the print room has too few spools of it that
  can still take a whole plate (the delivery arrives that morning);
* a few runs start each day on idle printers (two-filament plates only on printers with an AMS or
  a tool changer, ASA only in enclosed ones), on spools of the recipe's materials that are not
  loaded in another printer and hold the plate's grams with a margin; a printer prints one plate
  at a time and a spool sits in one printer at a time; open spools are used up first, and a
  single-filament plate is sometimes shrunk to fit what is left on one;
* a run ends its estimated time × noise later: mostly completed, with actual grams near the
  recipe's (a plate's ``bias`` makes a product consistently over or under its recipe), some with
  failed pieces and a waste reason, a few failed mid-print with the filament used so far; most
  failed pieces are reprinted on the same printer as soon as someone is at the farm; runs that
  would end after ``now`` are still in progress, and a handful of plates started in the last
  working hours are printing at ``now``;
* Friday weigh-ins correct the books by a few grams and throw away remnants; one spool tangles
  and is archived, one weighing is reversed (the scale was not tared), one spool runs out
  mid-print (the books said it held more);
* plan runs (``PlanRunStory``) are generated at their time with ``plans.services.plan_generate``
  and worked deepest job first: a job starts (``job_start``) once every deeper job of its plan run
  is done and every transport into it delivered, on its workstation or another idle one of the
  same kind and place, with spools that hold its grams with a margin; its run ends like a plate's
  (completed, grams near the recipe's); a transport leaves when the jobs it carries are done;
* at the end two completed runs (not a job's) are voided (``production_run_cancel``).

Random choices come from the caller's seeded ``random.Random``: the same seed and ``now`` give
the same history.
"""
from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from django.db.models import F

from inventory import services as inventory
from inventory.models import InventoryTransaction, ItemType, Location, Spool, Workstation
from plans import services as plans
from plans.models import JobQueueEntry, ProductionPlan, ProductionPlanRun, Recipe, TransportJob
from prodtrack.models import Tenant, User
from runs import services
from runs.models import ProductionRun, ProductionRunMaterial

ZERO = Decimal("0")
GRAM = Decimal("1")

RUNS_PER_DAY = {True: (3, 5), False: (1, 3)}          # weekday?: (fewest, most) runs started
FIRST_START_HOUR, LAST_START_HOUR = 8, 19             # runs start between 08:00 and 19:59
MARGIN = Decimal("1.35")        # a spool must hold this × the plate's grams …
PURGE_MARGIN = Decimal("1.3")   # … plus this × its purge; actuals are clipped below both
WEIGHT_FACTOR_RANGE = (0.80, 1.30)
PURGE_FACTOR_RANGE = (0.80, 1.25)
WEIGHT_NOISE = 0.035            # standard deviation of actual ÷ recipe grams around 1 + bias
FAIL_SHARE = 0.04               # runs that fail mid-print
SOME_FAILED_SHARE = 0.08        # completed multi-piece plates with failed pieces
REPRINT_SHARE = 0.6             # runs with failed pieces reprinted at once
REMNANT_SHARE = 0.6             # single-filament plates shrunk to use up an open spool when one fits a piece
PRINTING_NOW = (3, 5)           # runs in progress at ``now``
DISCARD_BELOW_G = 25            # remnants lighter than this are thrown away at a weigh-in
WEIGH_INS = 4                   # spools weighed each Friday
TANGLE_DAY, MISWEIGH_DAY, RUN_OUT_FROM_DAY = 22, 36, 15
RUN_OUT_LEFTOVER_G = Decimal("150")

WASTE_REASONS = ("warped corner", "layer shift", "stringing on the overhang", "elephant foot on the first layer",
                 "lifted off the bed")
FAILURES = ("spaghetti at layer {layer}", "bed adhesion lost at layer {layer}", "nozzle clog at layer {layer}",
            "layer shift at layer {layer}")
QUALITY_NOTES = {3: ("Some stringing", "Visible seam", "Slight elephant foot"), 2: ("Rough top surface",)}
RATINGS = ((5, 0.45), (4, 0.40), (3, 0.15))
#: nozzle and bed temperatures (°C) by filament material
TEMPERATURES = {"PLA": (215, 60), "PLA+": (220, 60), "PETG": (240, 80), "ASA": (260, 100), "TPU-95A": (225, 50)}
VOID_NOTES = ("Logged twice by mistake; voided.", "Calibration print logged as production; voided.")


@dataclass(frozen=True)
class Filament:
    """One filament of a plate: ``grams`` per plate (the recipe input) and ``purge_g`` flushed per plate
    by an AMS (a tool changer flushes its printer's ``purge_factor`` of that)."""

    item_type: ItemType
    grams: Decimal
    purge_g: Decimal = ZERO


@dataclass(frozen=True)
class Plate:
    """How the farm prints a product: its recipe (one plate per run), the filaments, how often it is
    printed (``popularity``, relative) and how far reality is from the recipe's grams (``bias``:
    0.15 → every plate uses about 15 % more filament than the recipe says)."""

    recipe: Recipe
    filaments: tuple[Filament, ...]
    popularity: float = 1.0
    bias: float = 0.0

    @property
    def pieces(self) -> int:
        return self.recipe.output_quantity

    @property
    def multi_material(self) -> bool:
        return len(self.filaments) > 1

    @property
    def needs_enclosure(self) -> bool:
        return any(f.item_type.material == "ASA" for f in self.filaments)


@dataclass(frozen=True)
class Printer:
    """A printer the farm uses: its slicer, and whether it prints several filaments per plate (AMS or
    tool changer) or ASA (enclosed)."""

    workstation: Workstation
    slicer: str
    multi_material: bool = False
    enclosed: bool = False
    purge_factor: Decimal = Decimal("1")

    def can_print(self, plate: Plate) -> bool:
        return (self.multi_material or not plate.multi_material) and (self.enclosed or not plate.needs_enclosure)


@dataclass(frozen=True)
class Delivery:
    """A spool delivery planned in advance (the reorders come on top)."""

    at: datetime
    item_type: ItemType
    location: Location
    note: str = ""


class Receive(Protocol):
    """Receive one spool of ``item_type`` at ``location`` at time ``at`` (the caller prices it)."""

    def __call__(self, item_type: ItemType, location: Location, at: datetime, note: str) -> Spool: ...


@dataclass(frozen=True)
class HistorySummary:
    """What ``replay_history`` played: production runs (in total, by status at ``now``, and how many
    are reprints), the planned spool deliveries received and the reorders."""

    runs: int
    completed: int
    failed: int
    cancelled: int
    in_progress: int
    reprints: int
    deliveries: int
    reorders: int


@dataclass(frozen=True)
class PlanRunStory:
    """A plan run of the farm's life: ``quantity`` of ``plan`` generated ``days_ago`` (a manual one
    in the working hours before), then worked deepest job first (``work``). ``root_jobs`` of its
    root jobs are started (None: all); with ``cancel_rest`` the plan run is cancelled
    (``plan_run_cancel``) once they have started, which cancels its other planned jobs."""

    plan: ProductionPlan
    quantity: int
    days_ago: float
    parallelism: int = 0
    source: str = ProductionPlanRun.Source.MANUAL
    work: bool = True
    root_jobs: int | None = None
    cancel_rest: bool = False


@dataclass
class _PlanRunLife:
    story: PlanRunStory
    run: ProductionPlanRun | None = None
    roots_started: int = 0
    retry_pending: bool = False


@dataclass
class _Job:
    """A run on a printer, with the spools it holds (pk → grams kept for it)."""

    run: ProductionRun
    plate: Plate
    printer: Printer
    spools: dict[int, Decimal]
    reprint: bool = False


@dataclass
class _ReprintPlan:
    spools: dict[int, Decimal]
    swaps: dict[int, Spool] = field(default_factory=dict)   # original spool pk → replacement


def _grams(value: Decimal) -> Decimal:
    """Grams as the farm's scale shows them (whole grams)."""
    return value.quantize(GRAM, rounding=ROUND_HALF_UP)


def _seconds(when: datetime) -> datetime:
    return when.replace(microsecond=0)


def _clip(value: float, bounds: tuple[float, float]) -> Decimal:
    return Decimal(str(round(min(max(value, bounds[0]), bounds[1]), 4)))


class _FarmLife:
    def __init__(self, *, tenant: Tenant, admin: User, operator: User, rng: random.Random, now: datetime,
                 start: datetime, room: Location, plates: list[Plate], printers: list[Printer],
                 receive: Receive, benches: Sequence[Workstation] = ()) -> None:
        self.tenant, self.admin, self.operator, self.rng = tenant, admin, operator, rng
        self.now, self.start, self.room = now, start, room
        self.plates, self.printers, self.receive = plates, printers, receive
        self.slicers = {p.workstation.pk: p.slicer for p in printers}
        self.workstations = [p.workstation for p in printers] + list(benches)
        self.events: list[tuple[datetime, int, Callable[..., None], tuple[Any, ...]]] = []
        self.order = itertools.count()
        self.reserved: dict[int, Decimal] = {}   # spool pk → grams kept for the run printing with it
        self.printing: set[int] = set()          # workstation pks
        self.printer_free: dict[int, datetime] = {}   # workstation pk → when its last plate ended
        self.touched: dict[int, datetime] = {}        # spool pk → when it was last released or weighed
        self.deliveries = self.reorders = 0
        self.ran_out = False
        self.plate_need = self._biggest_plates()
        self.keep_spools = self._spools_to_keep()

    # --- the clock ---------------------------------------------------------------------------

    def at(self, when: datetime, action: Callable[..., None], *args: Any) -> None:
        heapq.heappush(self.events, (when, next(self.order), action, args))

    def play(self) -> None:
        """Run every event before ``now`` in time order; later ones do not happen (yet)."""
        while self.events:
            when, _, action, args = heapq.heappop(self.events)
            if when < self.now:
                action(when, *args)

    def schedule_days(self) -> None:
        day, index = self.start, 0
        while day < self.now:
            self.at(day, self._new_day, index)
            day, index = day + timedelta(days=1), index + 1

    def _new_day(self, day: datetime, index: int) -> None:
        rng = self.rng
        self.at(day.replace(hour=7, minute=30), self._reorder)
        fewest, most = RUNS_PER_DAY[day.weekday() < 5]
        for _ in range(rng.randint(fewest, most)):
            self.at(day.replace(hour=rng.randint(FIRST_START_HOUR, LAST_START_HOUR), minute=rng.randint(0, 59)),
                    self._start_run)
        if day.weekday() == 4:
            self.at(day.replace(hour=17, minute=30), self._weigh_in)
        if index == TANGLE_DAY:
            self.at(day.replace(hour=10, minute=15), self._tangle)
        if index == MISWEIGH_DAY:
            self.at(day.replace(hour=15, minute=40), self._misweigh)

    # --- spools ------------------------------------------------------------------------------

    def _biggest_plates(self) -> dict[int, Decimal]:
        """Grams (with margins) of the biggest plate of each material: a usable spool holds that."""
        need: dict[int, Decimal] = {}
        for plate in self.plates:
            for f in plate.filaments:
                need[f.item_type.pk] = max(need.get(f.item_type.pk, ZERO), f.grams * MARGIN + f.purge_g * PURGE_MARGIN)
        return need

    def _spools_to_keep(self) -> dict[int, int]:
        """Usable spools to keep of each material: 2 for the ones that take ≥ 15 % of the grams."""
        grams: dict[int, float] = {}
        for plate in self.plates:
            for f in plate.filaments:
                grams[f.item_type.pk] = grams.get(f.item_type.pk, 0) + plate.popularity * float(f.grams)
        total = sum(grams.values())
        return {pk: 2 if share / total >= 0.15 else 1 for pk, share in grams.items()}

    def _materials(self) -> dict[int, ItemType]:
        return {f.item_type.pk: f.item_type for plate in self.plates for f in plate.filaments}

    def _deliver(self, when: datetime, delivery: Delivery) -> None:
        self.receive(delivery.item_type, delivery.location, when, delivery.note)
        self.deliveries += 1

    def _reorder(self, when: datetime) -> None:
        """Order each material with too few usable spools in the print room; it arrives this morning."""
        usable: dict[int, int] = dict.fromkeys(self.plate_need, 0)
        for spool in Spool.objects.filter(tenant=self.tenant, location=self.room, status=Spool.Status.ACTIVE,
                                          item_type_id__in=self.plate_need).only("pk", "item_type_id",
                                                                                  "current_weight_g"):
            if spool.current_weight_g - self.reserved.get(spool.pk, ZERO) >= self.plate_need[spool.item_type_id]:
                usable[spool.item_type_id] += 1
        materials = self._materials()
        for pk in sorted(usable):
            if usable[pk] < self.keep_spools[pk]:
                arrives = when.replace(hour=self.rng.randint(9, 11), minute=self.rng.randint(0, 59))
                self.at(arrives, self._receive_reorder, materials[pk])

    def _receive_reorder(self, when: datetime, item_type: ItemType) -> None:
        self.receive(item_type, self.room, when, "Reorder: running low")
        self.reorders += 1

    def _spools(self, item_type: ItemType, since: datetime | None, taken: Iterable[int] = ()):
        """Idle active spools of ``item_type`` in the print room, lightest first (open spools are used
        up before new ones are started); with ``since``, only spools idle since then."""
        spools = (Spool.objects.filter(tenant=self.tenant, location=self.room, item_type=item_type,
                                       status=Spool.Status.ACTIVE)
                  .exclude(pk__in=[*self.reserved, *taken]).select_related("item_type", "location")
                  .order_by("current_weight_g", "pk"))
        if since is not None:
            spools = spools.filter(received_at__lte=since).exclude(
                pk__in=[pk for pk, at in self.touched.items() if at > since])
        return spools

    def _spool_with(self, item_type: ItemType, grams: Decimal, taken: Iterable[int] = (),
                    since: datetime | None = None) -> Spool | None:
        """The lightest idle spool of ``item_type`` holding ``grams``."""
        return self._spools(item_type, since, taken).filter(current_weight_g__gte=grams).first()

    def _idle_used_spools(self) -> list[Spool]:
        return list(Spool.objects.filter(tenant=self.tenant, location=self.room, status=Spool.Status.ACTIVE,
                                         current_weight_g__lt=F("initial_weight_g"))
                    .exclude(pk__in=self.reserved).select_related("item_type", "location").order_by("pk"))

    def _weigh_in(self, when: datetime) -> None:
        """Friday: weigh a few open spools; the scale differs from the books by about 1 %."""
        spools = self._idle_used_spools()
        for spool in self.rng.sample(spools, min(WEIGH_INS, len(spools))):
            self.touched[spool.pk] = when
            scale = (spool.current_weight_g * Decimal(str(round(self.rng.gauss(1, 0.012), 4)))).quantize(Decimal("1"))
            scale = min(scale, spool.initial_weight_g)  # prodtrack refuses more than the spool held full
            if scale < DISCARD_BELOW_G:
                inventory.spool_mark_empty(spool=spool, by=self.operator, at=when,
                                           note=f"Remnant of {max(scale, ZERO)} g thrown away")
            else:
                inventory.spool_adjust(spool=spool, by=self.operator, gross_weight_g=scale + spool.tare_weight_g,
                                       note=f"Friday weigh-in: {scale} g net", at=when)

    def _tangle(self, when: datetime) -> None:
        """A spool tangles: weighed and archived with the filament still on it."""
        spools = [s for s in self._idle_used_spools() if 150 <= s.current_weight_g <= 400]
        if spools:
            spool = self.rng.choice(spools)
            self.touched[spool.pk] = when
            inventory.spool_adjust(spool=spool, by=self.operator, at=when,
                                   gross_weight_g=spool.current_weight_g.quantize(Decimal("1")) + spool.tare_weight_g,
                                   note="Tangled on the spool; weighed before retiring it")
            inventory.spool_archive(spool=spool, by=self.operator)

    def _misweigh(self, when: datetime) -> None:
        """A weighing with the spool holder still on (+85 g) is reversed and redone."""
        # the holder's 85 g must still fit under a full spool, or prodtrack refuses the weighing outright
        spools = [s for s in self._idle_used_spools() if 200 <= s.current_weight_g <= s.initial_weight_g - 85]
        if not spools:
            return
        spool = self.rng.choice(spools)
        self.touched[spool.pk] = when + timedelta(minutes=25)
        true_net = spool.current_weight_g.quantize(Decimal("1")) - self.rng.randint(1, 6)
        inventory.spool_adjust(spool=spool, by=self.operator, gross_weight_g=spool.tare_weight_g + true_net + 85,
                               note="Weighed with the spool holder on", at=when)
        wrong = InventoryTransaction.objects.filter(spool=spool).order_by("-pk").first()
        inventory.inventory_transaction_reverse(transaction_row=wrong, by=self.operator,
                                                at=when + timedelta(minutes=20),
                                                note="Scale was not tared (holder 85 g)")
        inventory.spool_adjust(spool=spool, by=self.operator, gross_weight_g=spool.tare_weight_g + true_net,
                               note="Re-weighed", at=when + timedelta(minutes=25))

    # --- runs --------------------------------------------------------------------------------

    def _by_popularity(self, plates: list[Plate]) -> list[Plate]:
        """A random order in which popular plates tend to come first (weighted sampling)."""
        return sorted(plates, key=lambda plate: -self.rng.random() ** (1 / plate.popularity))

    def _pick_spools(self, plate: Plate, printer: Printer,
                     since: datetime | None) -> tuple[int, list[tuple[Spool, Decimal, Decimal]]] | None:
        """Pieces to print and (spool, purge, grams kept) per filament of ``plate``; None when a
        filament has no spool that can take the plate. A single-filament plate of several pieces
        is sometimes shrunk to use up an open spool that cannot take the whole plate (not for a
        plate started ``since`` a time already played)."""
        if since is None and not plate.multi_material and plate.pieces > 1 and self.rng.random() < REMNANT_SHARE:
            (f,) = plate.filaments
            per_piece, whole = f.grams / plate.pieces * MARGIN, f.grams * MARGIN
            remnant = self._spools(f.item_type, since).filter(current_weight_g__gte=per_piece,
                                                              current_weight_g__lt=whole).first()
            if remnant is not None:
                pieces = min(plate.pieces - 1, int(remnant.current_weight_g / per_piece))
                return pieces, [(remnant, ZERO, per_piece * pieces)]
        picked: list[tuple[Spool, Decimal, Decimal]] = []
        for f in plate.filaments:
            purge = f.purge_g * printer.purge_factor
            keep = f.grams * MARGIN + purge * PURGE_MARGIN
            spool = self._spool_with(f.item_type, keep, taken=[s.pk for s, _, _ in picked], since=since)
            if spool is None:
                return None
            picked.append((spool, purge, keep))
        return plate.pieces, picked

    def _start_run(self, when: datetime, *, printing_now: bool = False) -> ProductionRun | None:
        """Start a plate on an idle printer at ``when``. With ``printing_now`` (``when`` is before
        events already played) only a printer and spools idle since ``when`` are used, and only a
        plate still printing at ``now``."""
        idle = [p for p in self.printers if p.workstation.pk not in self.printing
                and (not printing_now or self.printer_free.get(p.workstation.pk, self.start) <= when)]
        if not idle:
            return None
        printer = self.rng.choice(idle)
        plates = [p for p in self.plates if printer.can_print(p)
                  and (not printing_now or p.recipe.duration_s > (self.now - when).total_seconds() * 1.1)]
        for plate in self._by_popularity(plates):
            chosen = self._pick_spools(plate, printer, since=when if printing_now else None)
            if chosen is not None:
                break
        else:
            return None
        pieces, picked = chosen
        nozzle, bed = TEMPERATURES.get(plate.filaments[0].item_type.material, (None, None))
        run = services.production_run_create(
            tenant=self.tenant, by=self.operator, started_at=when, workstation=printer.workstation,
            slicer=printer.slicer, nozzle_temp_c=nozzle, bed_temp_c=bed,
            items=[services.ItemSpec(product=plate.recipe.product, quantity=pieces)],
            materials=[services.MaterialSpec(spool=spool, estimated_purge_g=purge) for spool, purge, _ in picked])
        job = _Job(run=run, plate=plate, printer=printer, spools={spool.pk: keep for spool, _, keep in picked})
        self._hold(job)
        first = picked[0][0]
        leftover = first.current_weight_g - plate.filaments[0].grams * pieces / plate.pieces
        story_days = self.start + timedelta(days=RUN_OUT_FROM_DAY) <= when < self.now - timedelta(days=RUN_OUT_FROM_DAY)
        if not self.ran_out and not plate.multi_material and leftover < RUN_OUT_LEFTOVER_G and story_days:
            self.ran_out = True
            fraction = self.rng.uniform(0.55, 0.8)
            ends = _seconds(when + timedelta(seconds=run.estimated_duration_s * fraction))
            self.at(ends, self._run_out, job, fraction)
        else:
            self._schedule_end(job, when)
        return run

    def printing_now(self) -> None:
        """Top the printers busy at ``now`` up to a handful: plates started during the last working
        hours that are long enough to be still printing."""
        busy = ProductionRun.objects.for_tenant(self.tenant).filter(status=ProductionRun.Status.IN_PROGRESS).count()
        wanted, tries = self.rng.randint(*PRINTING_NOW) - busy, 40
        while wanted > 0 and tries:
            tries -= 1
            when = (self.now - timedelta(minutes=self.rng.randint(20, 20 * 60))).replace(second=0, microsecond=0)
            if FIRST_START_HOUR <= when.hour <= LAST_START_HOUR and self._start_run(when, printing_now=True):
                wanted -= 1

    def _hold(self, job: _Job) -> None:
        self.printing.add(job.printer.workstation.pk)
        self.reserved.update(job.spools)

    def _schedule_end(self, job: _Job, when: datetime) -> None:
        duration = timedelta(seconds=job.run.estimated_duration_s or 0)
        if not job.reprint and self.rng.random() < FAIL_SHARE:
            fraction = self.rng.uniform(0.15, 0.85)
            self.at(_seconds(when + duration * fraction), self._fail, job, fraction)
        else:
            factor = float(_clip(self.rng.gauss(1.03, 0.04), (0.93, 1.2)))
            self.at(_seconds(when + duration * factor), self._complete, job)

    def _weight_factor(self, plate: Plate) -> Decimal:
        return _clip(self.rng.gauss(1 + plate.bias, WEIGHT_NOISE), WEIGHT_FACTOR_RANGE)

    def _rating(self, failed: int) -> tuple[int, str]:
        if failed:
            rating = self.rng.choice((2, 3, 3))
        else:
            rating = self.rng.choices([r for r, _ in RATINGS], weights=[w for _, w in RATINGS])[0]
        return rating, self.rng.choice(QUALITY_NOTES[rating]) if rating in QUALITY_NOTES else ""

    def _complete(self, when: datetime, job: _Job) -> None:
        actuals = [services.MaterialActual(
            material_id=m.pk, actual_weight_g=_grams(m.estimated_weight_g * self._weight_factor(job.plate)),
            actual_purge_g=_grams(m.estimated_purge_g * _clip(self.rng.gauss(1, 0.05), PURGE_FACTOR_RANGE)))
            for m in job.run.materials.all()]
        item = job.run.items.get()
        failed = 0
        if not job.reprint and item.quantity > 1 and self.rng.random() < SOME_FAILED_SHARE:
            failed = self.rng.randint(1, max(1, item.quantity // 3))
        rating, notes = self._rating(failed)
        services.production_run_complete(
            run=job.run, by=self.operator, materials=actuals, quality_rating=rating, quality_notes=notes,
            items=[services.ItemOutcome(item_id=item.pk, successful_quantity=item.quantity - failed,
                                        failed_quantity=failed,
                                        waste_reason=self.rng.choice(WASTE_REASONS) if failed else "")],
            completed_at=when)
        self._finish(when, job, failed)

    def _fail(self, when: datetime, job: _Job, fraction: float) -> None:
        """Stopped mid-print: the filament used so far is recorded, every piece failed."""
        share = Decimal(str(round(fraction, 3)))
        reason = self.rng.choice(FAILURES).format(layer=int(fraction * self.rng.randint(150, 320)))
        actuals = [services.MaterialActual(
            material_id=m.pk, actual_weight_g=_grams(m.estimated_weight_g * share * self._weight_factor(job.plate)),
            actual_purge_g=_grams(m.estimated_purge_g * share)) for m in job.run.materials.all()]
        item = job.run.items.get()
        services.production_run_fail(
            run=job.run, by=self.operator, materials=actuals, failed_at=when,
            notes=f"Stopped at {fraction:.0%}: {reason}.",
            items=[services.ItemOutcome(item_id=item.pk, successful_quantity=0, failed_quantity=item.quantity,
                                        waste_reason=reason)])
        self._finish(when, job, item.quantity)

    def _run_out(self, when: datetime, job: _Job, fraction: float) -> None:
        """The spool runs dry mid-print although the books said it held enough: the run fails with
        what was used, the spool is marked empty (its book remainder written off) and the plate is
        reprinted on another spool."""
        (material,) = job.run.materials.select_related("spool")
        used = _grams(material.estimated_weight_g * Decimal(str(round(fraction, 3))))
        item = job.run.items.get()
        services.production_run_fail(
            run=job.run, by=self.operator, failed_at=when, notes=f"Filament ran out at {fraction:.0%}.",
            materials=[services.MaterialActual(
                material_id=material.pk, actual_weight_g=used, actual_purge_g=ZERO)],
            items=[services.ItemOutcome(item_id=item.pk, successful_quantity=0, failed_quantity=item.quantity,
                                        waste_reason="ran out of filament")])
        spool = Spool.objects.get(pk=material.spool_id)
        inventory.spool_mark_empty(spool=spool, by=self.operator, at=when,
                                   note=f"Ran out mid-print ({job.run.run_number}); the books said "
                                        f"{spool.current_weight_g:.0f} g were left")
        self._finish(when, job, item.quantity, force_reprint=True)

    def _finish(self, when: datetime, job: _Job, failed: int, force_reprint: bool = False) -> None:
        """Free the printer and spools, or keep them for a reprint of the failed pieces."""
        for pk in job.spools:
            self.reserved.pop(pk, None)
            self.touched[pk] = when
        reprint = failed and not job.reprint and (force_reprint or self.rng.random() < REPRINT_SHARE)
        plan = self._reprint_plan(job, failed) if reprint else None
        if plan is None:
            self.printing.discard(job.printer.workstation.pk)
            self.printer_free[job.printer.workstation.pk] = when
            if reprint and force_reprint:   # no spool for it yet: try again once the reorder is in
                self.at(self._working_time(when + timedelta(hours=12)), self._retry_reprint, job, failed, 3)
            return
        self.reserved.update(plan.spools)
        self.at(self._working_time(when + timedelta(minutes=self.rng.randint(10, 45))), self._reprint, job, plan)

    def _retry_reprint(self, when: datetime, job: _Job, failed: int, attempts: int) -> None:
        plan = None if job.printer.workstation.pk in self.printing else self._reprint_plan(job, failed)
        if plan is not None:
            self.printing.add(job.printer.workstation.pk)
            self.reserved.update(plan.spools)
            self._reprint(when, job, plan)
        elif attempts > 1:
            self.at(self._working_time(when + timedelta(hours=self.rng.randint(2, 6))), self._retry_reprint, job,
                    failed, attempts - 1)

    def _working_time(self, when: datetime) -> datetime:
        """``when``, or the next morning when nobody is at the farm (before 08:00 or from 21:00)."""
        if when.hour >= 21:
            when = when + timedelta(days=1)
        if when.hour >= 21 or when.hour < FIRST_START_HOUR:
            when = when.replace(hour=FIRST_START_HOUR, minute=self.rng.randint(0, 30))
        return when.replace(second=0, microsecond=0)

    def _reprint_plan(self, job: _Job, failed: int) -> _ReprintPlan | None:
        """The spools a reprint of ``failed`` pieces can use: the run's own when they still hold
        enough, else another of the same material; None when one is missing."""
        share = Decimal(failed) / Decimal(job.run.items.get().quantity)
        plan = _ReprintPlan(spools={})
        for material in ProductionRunMaterial.objects.filter(run=job.run).select_related("spool__item_type",
                                                                                          "spool__location"):
            keep = material.estimated_weight_g * share * MARGIN + material.estimated_purge_g * share * PURGE_MARGIN
            spool = material.spool
            if spool.status != Spool.Status.ACTIVE or spool.current_weight_g < keep or spool.pk in self.reserved:
                spool = self._spool_with(spool.item_type, keep, taken=plan.spools)
                if spool is None:
                    return None
                plan.swaps[material.spool_id] = spool
            plan.spools[spool.pk] = keep
        return plan

    def _reprint(self, when: datetime, original: _Job, plan: _ReprintPlan) -> None:
        run = services.production_run_reprint(run=original.run, by=self.operator, started_at=when)
        for material in list(run.materials.all()):
            replacement = plan.swaps.get(material.spool_id)
            if replacement is not None:
                services.production_run_material_remove(material=material)
                services.production_run_material_add(run=run, material=services.MaterialSpec(
                    spool=replacement, estimated_weight_g=material.estimated_weight_g,
                    estimated_purge_g=material.estimated_purge_g))
        job = _Job(run=run, plate=original.plate, printer=original.printer, spools=plan.spools, reprint=True)
        self._schedule_end(job, when)

    # --- plan runs ---------------------------------------------------------------------------

    def schedule_plan_runs(self, stories: Sequence[PlanRunStory]) -> None:
        for story in stories:
            when = (self.now - timedelta(days=story.days_ago)).replace(second=0, microsecond=0)
            if story.source == ProductionPlanRun.Source.MANUAL and not FIRST_START_HOUR <= when.hour < 21:
                # someone at the farm generated it: the last working afternoon before
                day = when if when.hour >= 21 else when - timedelta(days=1)
                when = day.replace(hour=self.rng.randint(16, 19), minute=self.rng.randint(0, 59))
            self.at(when, self._plan_generate, _PlanRunLife(story=story))

    def _plan_generate(self, when: datetime, life: _PlanRunLife) -> None:
        story = life.story
        auto = story.source == ProductionPlanRun.Source.AUTO
        result = plans.plan_generate(plan=story.plan, by=None if auto else self.admin, quantity=story.quantity,
                                     parallelism=story.parallelism, source=story.source, at=when)
        life.run = result.run
        if story.work:
            self.at(self._working_time(when + timedelta(minutes=self.rng.randint(15, 90))), self._plan_tick, life)

    def _plan_tick(self, when: datetime, life: _PlanRunLife, retry: bool = False) -> None:
        """Start every job of the plan run that can start now; try again later for the ones that wait
        for a workstation or a spool (those waiting for deeper jobs start when these end)."""
        if retry:
            life.retry_pending = False
        story = life.story
        jobs = list(life.run.jobs.select_related("recipe", "workstation").order_by("-sort_order", "pk"))
        transports = list(life.run.transport_jobs.all())
        waiting = False
        for job in jobs:
            if job.status != JobQueueEntry.Status.PLANNED or not self._job_ready(job, jobs, transports):
                continue
            if job.depth == 0 and story.root_jobs is not None and life.roots_started >= story.root_jobs:
                continue
            if not self._start_job(when, life, job):
                waiting = True
            elif job.depth == 0:
                life.roots_started += 1
                if story.cancel_rest and life.roots_started == story.root_jobs:
                    plans.plan_run_cancel(plan_run=life.run)
        if waiting and not life.retry_pending:
            life.retry_pending = True
            self.at(self._working_time(when + timedelta(minutes=self.rng.randint(60, 180))), self._plan_tick, life,
                    True)

    @staticmethod
    def _job_ready(job: JobQueueEntry, jobs: list[JobQueueEntry], transports: list[TransportJob]) -> bool:
        """Every deeper job is done and every transport into this level delivered."""
        done = (JobQueueEntry.Status.COMPLETED, JobQueueEntry.Status.CANCELLED)
        return (all(other.status in done for other in jobs if other.depth > job.depth)
                and all(t.status in (TransportJob.Status.DELIVERED, TransportJob.Status.CANCELLED)
                        for t in transports if t.sort_order > job.sort_order))

    def _start_job(self, when: datetime, life: _PlanRunLife, job: JobQueueEntry) -> bool:
        """Start ``job`` on its workstation, or another idle one of the same kind and place, with
        spools of its filaments that hold its grams with a margin; False when one is missing."""
        planned = job.workstation
        if planned is None:
            return False
        able = [planned] + [w for w in self.workstations if w.pk != planned.pk and w.kind == planned.kind
                            and w.location_id == planned.location_id and job.activity in (w.activities or [])]
        workstation = next((w for w in able if w.pk not in self.printing), None)
        if workstation is None:
            return False
        share = Decimal(job.runs) * (100 - job.material_efficiency) / 100
        picked: list[tuple[Spool, Decimal]] = []
        for line in job.recipe.inputs.select_related("item_type").order_by("pk"):
            if line.item_type.kind != ItemType.Kind.MATERIAL:
                continue
            keep = line.quantity * share * MARGIN
            spool = self._spool_with(line.item_type, keep, taken=[s.pk for s, _ in picked])
            if spool is None:
                return False
            picked.append((spool, keep))
        run = services.job_start(job=job, by=self.operator, workstation=workstation, spools=[s for s, _ in picked],
                                 started_at=when)
        if workstation.pk in self.slicers:
            nozzle, bed = TEMPERATURES.get(picked[0][0].item_type.material, (None, None)) if picked else (None, None)
            run = services.production_run_update(run=run, data={
                "slicer": self.slicers[workstation.pk], "nozzle_temp_c": nozzle, "bed_temp_c": bed})
        self.printing.add(workstation.pk)
        self.reserved.update({spool.pk: keep for spool, keep in picked})
        factor = float(_clip(self.rng.gauss(1.03, 0.04), (0.93, 1.2)))
        ends = _seconds(when + timedelta(seconds=(run.estimated_duration_s or 0) * factor))
        self.at(ends, self._complete_job, life, run, [spool.pk for spool, _ in picked])
        return True

    def _complete_job(self, when: datetime, life: _PlanRunLife, run: ProductionRun, spools: list[int]) -> None:
        actuals = [services.MaterialActual(
            material_id=m.pk, actual_weight_g=_grams(m.estimated_weight_g * _clip(
                self.rng.gauss(1, WEIGHT_NOISE), WEIGHT_FACTOR_RANGE)), actual_purge_g=ZERO)
            for m in run.materials.all()]
        rating, notes = self._rating(0)
        services.production_run_complete(run=run, by=self.operator, materials=actuals, quality_rating=rating,
                                         quality_notes=notes, completed_at=when)
        for pk in spools:
            self.reserved.pop(pk, None)
            self.touched[pk] = when
        self.printing.discard(run.workstation_id)
        self.printer_free[run.workstation_id] = when
        self._carry(when, life)
        self.at(self._working_time(when + timedelta(minutes=self.rng.randint(10, 40))), self._plan_tick, life)

    def _carry(self, when: datetime, life: _PlanRunLife) -> None:
        """Load each planned transport whose jobs are all done; it arrives within two working hours."""
        for transport in life.run.transport_jobs.filter(status=TransportJob.Status.PLANNED).order_by("pk"):
            if not transport.jobs.exclude(status=JobQueueEntry.Status.COMPLETED).exists():
                plans.transport_job_set_status(transport_job=transport, status=TransportJob.Status.IN_TRANSIT,
                                                by=self.operator, at=when)
                arrives = self._working_time(when) + timedelta(minutes=self.rng.randint(30, 120))
                self.at(arrives, self._deliver_transport, life, transport)

    def _deliver_transport(self, when: datetime, life: _PlanRunLife, transport: TransportJob) -> None:
        plans.transport_job_set_status(transport_job=transport, status=TransportJob.Status.DELIVERED,
                                       by=self.operator, at=when)
        self.at(self._working_time(when + timedelta(minutes=self.rng.randint(10, 40))), self._plan_tick, life)

    def void_runs(self) -> None:
        """Void two completed runs (from the middle of the history, not a job's) whose spools are still in use."""
        done = (ProductionRun.objects.for_tenant(self.tenant)
                .filter(status=ProductionRun.Status.COMPLETED, original_run__isnull=True, reprints__isnull=True,
                        job__isnull=True, started_at__gte=self.start + timedelta(days=10),
                        started_at__lt=self.now - timedelta(days=5))
                .exclude(items__failed_quantity__gt=0)
                .exclude(materials__spool__status__in=[Spool.Status.ARCHIVED, Spool.Status.EMPTY])
                .distinct().order_by("started_at", "pk"))
        candidates = list(done)
        for run, note in zip(self.rng.sample(candidates, min(len(VOID_NOTES), len(candidates))), VOID_NOTES,
                             strict=False):
            services.production_run_cancel(run=run, by=self.admin, note=note)

    def summary(self) -> HistorySummary:
        runs = ProductionRun.objects.for_tenant(self.tenant)
        by_status = {status: runs.filter(status=status).count() for status in ProductionRun.Status.values}
        return HistorySummary(
            runs=runs.count(), completed=by_status["completed"], failed=by_status["failed"],
            cancelled=by_status["cancelled"], in_progress=by_status["in_progress"],
            reprints=runs.filter(original_run__isnull=False).count(), deliveries=self.deliveries,
            reorders=self.reorders)


def replay_history(*, tenant: Tenant, admin: User, operator: User, rng: random.Random, now: datetime,
                   start: datetime, room: Location, plates: list[Plate], printers: list[Printer],
                   deliveries: list[Delivery], receive: Receive, benches: Sequence[Workstation] = (),
                   plan_runs: Sequence[PlanRunStory] = ()) -> HistorySummary:
    """Replay the farm's life from ``start`` (midnight of the first production day) to ``now``.

    ``deliveries`` are received at their time (those before ``start`` first); runs draw on the
    spools in ``room``; ``plan_runs`` are generated and worked on the printers and ``benches``.
    Call inside the seed's transaction: nothing here commits on its own.
    """
    farm = _FarmLife(tenant=tenant, admin=admin, operator=operator, rng=rng, now=now, start=start, room=room,
                     plates=plates, printers=printers, receive=receive, benches=benches)
    for delivery in deliveries:
        farm.at(delivery.at, farm._deliver, delivery)
    farm.schedule_days()
    farm.schedule_plan_runs(plan_runs)
    farm.play()
    farm.printing_now()
    farm.void_runs()
    return farm.summary()
