"""Printers reads: tokens by their secret, a printer's run on a spool, filament geometry."""
from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, OuterRef, Subquery, Sum

from inventory.catalog import read_catalog
from inventory.models import InventoryTransaction, ItemType, Location, Manufacturer, Spool, Workstation
from inventory.selectors import manufacturer_get, manufacturers_by_name
from printers.models import PrinterToken, SpoolmanSetting, UsageSession
from prodtrack.db import columns, model_from_row
from prodtrack.exceptions import NotFoundError
from runs.models import REFERENCE_RUN, ProductionRun

DEFAULT_DENSITY_G_CM3 = Decimal("1.24")
DEFAULT_DIAMETER_MM = Decimal("1.75")


def token_hash(token: str) -> str:
    """SHA-256 hex of a printer token (tokens are 32 random bytes: a fast hash is enough)."""
    return hashlib.sha256(token.encode()).hexdigest()


TOKEN_CACHE_S = 10
"""How long a process may keep a resolved token: a token revoked in another server process stops
working there within this many seconds (at once in the process that revoked it)."""


def _token_key(token_hash_hex: str) -> str:
    return f"printers:token:{token_hash_hex}"


def printer_token_resolve(*, token: str) -> PrinterToken | None:
    """The live token whose secret is ``token``, with its tenant and workstation (and its location);
    None for an unknown or revoked one. One query, then kept ``TOKEN_CACHE_S`` in the cache (a
    printer calls every few seconds); ``printer_token_forget`` drops it."""
    key = _token_key(token_hash(token))
    found = cache.get(key)
    if found is None:
        found = (PrinterToken.objects.select_related("tenant", "workstation__location")
                 .filter(token_hash=token_hash(token), revoked_at__isnull=True).order_by().first())
        if found is not None:
            cache.set(key, found, TOKEN_CACHE_S)
    return found


def printer_token_forget(*, token_hashes: list[str]) -> None:
    """Drop resolved tokens from the cache now and once the transaction commits (revoked ones)."""
    keys = [_token_key(value) for value in token_hashes]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def _spoolman_spools(tenant_id: int):
    """The tenant's spools the API knows (not archived), with material and location, unordered."""
    return (Spool.objects.filter(tenant_id=tenant_id).exclude(status=Spool.Status.ARCHIVED)
            .select_related("item_type", "location").order_by())


def spool_with_material_sql(source: str = "inventory_spool") -> str:
    """``SELECT`` of spools (from ``source``: the table, or a CTE returning its columns) with their
    material and location, as the ORM's ``select_related`` joins them; ``spool_from_row`` reads a
    row back."""
    return (f"SELECT {columns(Spool, 's')}, {columns(ItemType, 'it')}, {columns(Location, 'loc')} "
            f"FROM {source} s JOIN inventory_itemtype it ON it.id = s.item_type_id "
            f"JOIN inventory_location loc ON loc.id = s.location_id")


def spool_from_row(row: Sequence) -> Spool:
    """A spool with its material and location from a ``spool_with_material_sql`` row."""
    widths = [len(model._meta.concrete_fields) for model in (Spool, ItemType)]
    spool = model_from_row(Spool, row[:widths[0]], connection)
    spool.item_type = model_from_row(ItemType, row[widths[0]:sum(widths)], connection)
    spool.location = model_from_row(Location, row[sum(widths):], connection)
    return spool


def spoolman_spool_get(*, tenant_id: int, spool_id: int) -> Spool:
    """The tenant's spool in use, with material and location (an archived one is gone, as a
    deleted Spoolman spool): NotFoundError (404) ``No spool with ID … found.`` otherwise.

    Moonraker reads its spool on every connect and OctoPrint per tool, so this is one
    hand-written query (``spool_with_material_sql``, the ORM's own join): building it through
    the ORM took a third of the request."""
    with connection.cursor() as cursor:
        cursor.execute(spool_with_material_sql() + " WHERE s.id = %s AND s.tenant_id = %s AND s.status <> %s",
                       [spool_id, tenant_id, Spool.Status.ARCHIVED])
        row = cursor.fetchone()
    if row is None:
        raise NotFoundError(f"No spool with ID {spool_id} found.")
    return spool_from_row(row)


GEOMETRY_CACHE_S = 60


def spoolman_spool_geometry(*, tenant_id: int, spool_id: int) -> tuple[Decimal, Decimal]:
    """(density g/cm³, diameter mm) of the material of the tenant's spool in use (defaults as
    ``material_density``/``material_diameter``), to turn a reported length into grams. A spool's
    material never changes, so this is kept a minute in the cache (an edit of the material's
    density shows in reports within a minute). NotFoundError (404) as ``spoolman_spool_get``."""
    key = f"printers:geometry:{tenant_id}:{spool_id}"
    found = cache.get(key)
    if found is None:
        rows = (Spool.objects.filter(tenant_id=tenant_id, pk=spool_id).exclude(status=Spool.Status.ARCHIVED)
                .values_list("item_type__density_g_cm3", "item_type__diameter_mm")[:1])
        if not rows:
            raise NotFoundError(f"No spool with ID {spool_id} found.")
        found = (rows[0][0] or DEFAULT_DENSITY_G_CM3, rows[0][1] or DEFAULT_DIAMETER_MM)
        cache.set(key, found, GEOMETRY_CACHE_S)
    return found


def spoolman_spool_lock(*, tenant_id: int, spool_id: int, printer_id: int) -> Spool:
    """``spoolman_spool_get`` locked (``FOR UPDATE`` of the spool row only), in the same query
    ``printer_run_id``: the printer's newest in-progress (not deleted) run printing with it, or None."""
    runs = (ProductionRun.objects.filter(workstation_id=printer_id, status=ProductionRun.Status.IN_PROGRESS,
                                         deleted_at__isnull=True, materials__spool_id=OuterRef("pk"))
            .order_by("-started_at", "-id").values("pk")[:1])
    found = (_spoolman_spools(tenant_id).select_for_update(of=("self",)).filter(pk=spool_id)
             .annotate(printer_run_id=Subquery(runs))[:1])
    if not found:
        raise NotFoundError(f"No spool with ID {spool_id} found.")
    return found[0]


def run_posted_spool_usage(*, run_id: int, spool: Spool) -> bool:
    """Whether the run's ledger has a usage row for ``spool`` (it ended and settled what its
    printer reported)."""
    return InventoryTransaction.objects.filter(reference_type=REFERENCE_RUN, reference_id=str(run_id), spool=spool,
                                               transaction_type=InventoryTransaction.Type.USAGE).exists()


def material_density(material: ItemType) -> Decimal:
    """g/cm³ of a material; PLA's 1.24 when it has none (Spoolman requires one)."""
    return material.density_g_cm3 or DEFAULT_DENSITY_G_CM3


def material_diameter(material: ItemType) -> Decimal:
    """Filament diameter in mm; 1.75 when the material has none (Spoolman requires one)."""
    return material.diameter_mm or DEFAULT_DIAMETER_MM


def vendors(*, tenant_id: int) -> dict[str, Manufacturer]:
    """The tenant's manufacturers (Spoolman's vendors) by name, from the cache
    (``inventory.selectors.manufacturers_by_name``)."""
    return manufacturers_by_name(tenant_id=tenant_id)


def vendor_get(*, tenant_id: int, vendor_id: int) -> Manufacturer:
    """One vendor by its id, or NotFoundError (404, Spoolman's message)."""
    found = manufacturer_get(tenant_id=tenant_id, pk=vendor_id)
    if found is None:
        raise NotFoundError(f"No vendor with ID {vendor_id} found.")
    return found


@dataclass
class PrinterRow:
    """One printer on the board: its live token, the spool it last reported on (``session``, open
    or the last closed), its in-progress run with the grams reported for it so far."""

    printer: Workstation
    token: PrinterToken | None = None
    session: UsageSession | None = None
    run: ProductionRun | None = None
    run_reported_g: Decimal = Decimal("0")


def printer_board(*, tenant) -> tuple[list[PrinterRow], list[UsageSession]]:
    """The printers board (DESIGN §7): a row per active printer, and the usage no run took (posted
    sessions without a run, newest 20, each with ``candidate_runs``: the runs in progress on its
    spool it can be given to). Six queries for any number of printers."""
    latest = UsageSession.objects.filter(workstation=OuterRef("pk")).order_by("-last_report_at", "-id").values("pk")[:1]
    printers = (Workstation.objects.for_tenant(tenant).filter(kind=Workstation.Kind.PRINTER, is_active=True)
                .select_related("location").annotate(latest_session=Subquery(latest)).order_by("name"))
    rows = {printer.pk: PrinterRow(printer=printer) for printer in printers}
    for token in PrinterToken.objects.filter(workstation_id__in=rows, revoked_at__isnull=True):
        rows[token.workstation_id].token = token
    session_ids = [row.printer.latest_session for row in rows.values() if row.printer.latest_session]
    for session in UsageSession.objects.filter(pk__in=session_ids).select_related("spool__item_type"):
        rows[session.workstation_id].session = session
    runs = (ProductionRun.objects.for_tenant(tenant)
            .filter(workstation_id__in=rows, status=ProductionRun.Status.IN_PROGRESS)
            .annotate(reported=Sum("materials__reported_g")).order_by("workstation_id", "-started_at", "-id"))
    for run in runs:
        row = rows[run.workstation_id]
        if row.run is None:
            row.run, row.run_reported_g = run, run.reported or Decimal("0")
    unattributed = list(UsageSession.objects.for_tenant(tenant)
                        .filter(run__isnull=True, closed_at__isnull=False, transaction__isnull=False)
                        .exclude(grams=0).select_related("workstation", "spool__item_type")
                        .order_by("-last_report_at", "-id")[:20])
    candidates: dict[int, list[ProductionRun]] = {}
    for run in (ProductionRun.objects.for_tenant(tenant)
                .filter(status=ProductionRun.Status.IN_PROGRESS,
                        materials__spool_id__in={session.spool_id for session in unattributed})
                .annotate(spool_id=F("materials__spool_id")).order_by("-started_at", "-id")):
        candidates.setdefault(run.spool_id, []).append(run)
    for session in unattributed:
        session.candidate_runs = candidates.get(session.spool_id, [])
    return list(rows.values()), unattributed


@functools.cache
def external_filaments() -> tuple[dict[str, Any], ...]:
    """The SpoolmanDB catalog prodtrack ships (``inventory/data/spoolmandb``) as Spoolman's
    external filaments, read once per process."""
    rows = []
    for entry in read_catalog():
        name = entry.name.removeprefix(f"{entry.manufacturer} ").strip() or entry.name
        rows.append({"id": entry.catalog_id, "manufacturer": entry.manufacturer, "name": name,
                     "material": entry.material, "density": float(entry.density_g_cm3 or DEFAULT_DENSITY_G_CM3),
                     "weight": float(entry.net_weight_g), "spool_weight": _float(entry.spool_weight_g),
                     "diameter": float(entry.diameter_mm), "color_hex": entry.color_hex.lstrip("#") or None})
    return tuple(rows)


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# --- Spoolman settings and extra fields -------------------------------------------------------------

EXTRA_MODELS = {"spool": Spool, "filament": ItemType, "vendor": Manufacturer}


def spoolman_settings(*, tenant_id: int) -> dict[str, Any]:
    """The Spoolman settings the tenant has set: key → value (one query)."""
    return dict(SpoolmanSetting.objects.filter(tenant_id=tenant_id).values_list("key", "value"))


def extra_fields(*, tenant_id: int, entity_type: str) -> list[dict[str, Any]]:
    """The extra fields defined for ``entity_type`` (vendor, filament, spool), in their order of
    definition, as Spoolman stores them in its ``extra_fields_<entity type>`` setting."""
    row = SpoolmanSetting.objects.filter(tenant_id=tenant_id, key=f"extra_fields_{entity_type}").first()
    return list(row.value) if row is not None and isinstance(row.value, list) else []


def extra_field_values(*, tenant_id: int, entity_type: str, key: str) -> list[str]:
    """The distinct values the tenant's ``entity_type`` rows (archived spools, any material
    included) hold for extra field ``key``, sorted: a JSON string as its text (``Shelf A``, as
    ``/location`` lists locations), any other JSON value as its JSON text (``42``, ``["a", "b"]``)."""
    queryset = EXTRA_MODELS[entity_type].objects.filter(tenant_id=tenant_id, extra__has_key=key)
    if entity_type == "filament":
        queryset = queryset.filter(kind=ItemType.Kind.MATERIAL)
    values = set()
    for extra in queryset.values_list("extra", flat=True):
        text = extra[key]
        try:
            decoded = json.loads(text)
        except (TypeError, ValueError):
            decoded = None
        values.add(decoded if isinstance(decoded, str) else str(text))
    return sorted(values)
