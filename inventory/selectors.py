"""Inventory reads. Each list is one query (plus the paginator's count) whatever the page size."""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When

from inventory.filters import (
    InventoryTransactionFilter,
    ItemTypeFilter,
    LocationFilter,
    SpoolFilter,
    StockBalanceFilter,
    WorkstationFilter,
)
from inventory.models import (
    CatalogImport,
    InventoryTransaction,
    ItemType,
    Location,
    Manufacturer,
    Spool,
    StockBalance,
    Workstation,
)
from prodtrack import charts
from prodtrack.exceptions import NotFoundError
from prodtrack.filters import apply_filters, words_filter
from prodtrack.models import Tenant
from prodtrack.tenancy import get_for_tenant

KIND_RANK = Case(When(kind=ItemType.Kind.PRODUCT, then=Value(0)), When(kind=ItemType.Kind.COMPONENT, then=Value(1)),
                 default=Value(2))


def item_type_list(*, tenant: Tenant, filters: Any = None) -> QuerySet[ItemType]:
    """Item types, products first, then components and materials, each by name; filters: q, kind,
    material, is_active, catalog (hide / all / only: filaments imported from the catalog and never
    received), ordering."""
    qs = ItemType.objects.for_tenant(tenant).annotate(kind_rank=KIND_RANK).order_by("kind_rank", "name", "id")
    return apply_filters(ItemTypeFilter, filters, qs, tenant=tenant)


def item_type_get(*, tenant: Tenant, pk: Any) -> ItemType:
    """One item type of the tenant, or NotFoundError (404)."""
    return get_for_tenant(ItemType, tenant, pk, label="item")


def item_stock(*, tenant: Tenant, item_type: ItemType) -> list[StockBalance]:
    """Stock on hand of one item per location (``StockBalance`` rows with their location, by
    location name; quantities in the item's unit, zero rows included). One query."""
    return list(StockBalance.objects.for_tenant(tenant).filter(item_type=item_type).select_related("location")
                .order_by("location__name", "location_id"))


def material_search(*, tenant: Tenant, query: str, limit: int = 12) -> list[ItemType]:
    """Active materials whose name, manufacturer, material or colour contain every word of ``query``,
    the ones the farm stocks first (an active spool, else any spool ever received), then by
    manufacturer and name; each has ``stocked`` (True with an active spool). One query.

    Serves the catalog search of the receive-spool form ("galaxy black", "petg prusament").
    """
    if not query.strip():
        return []
    qs = ItemType.objects.for_tenant(tenant).filter(kind=ItemType.Kind.MATERIAL, is_active=True).annotate(
        stocked=Exists(Spool.objects.filter(item_type=OuterRef("pk"), status=Spool.Status.ACTIVE)),
        received=Exists(Spool.objects.filter(item_type=OuterRef("pk"))))
    return list(words_filter(qs, ["name", "manufacturer", "material", "color_name", "sku"], query)
                .order_by("-stocked", "-received", "manufacturer", "name")[:limit])


MANUFACTURERS_CACHE_S = 60


def _manufacturers_key(tenant_id: int) -> str:
    return f"inventory:manufacturers:{tenant_id}"


def manufacturers_by_name(*, tenant_id: int) -> dict[str, Manufacturer]:
    """The tenant's manufacturers by name: one query, then kept in this process's cache until a
    manufacturer service changes them here (``manufacturers_forget``) or for a minute (a change
    made by another process shows within a minute)."""
    return cache.get_or_set(_manufacturers_key(tenant_id),
                            lambda: {m.name: m for m in Manufacturer.objects.filter(tenant_id=tenant_id)},
                            MANUFACTURERS_CACHE_S)


def manufacturers_forget(*, tenant_id: int) -> None:
    """Drop the cached manufacturers of a tenant now (this transaction reads its own change) and
    again once it commits (a request that cached the old rows meanwhile)."""
    cache.delete(_manufacturers_key(tenant_id))
    transaction.on_commit(lambda: cache.delete(_manufacturers_key(tenant_id)))


def manufacturer_get(*, tenant_id: int, pk: int) -> Manufacturer | None:
    """One manufacturer of the tenant by id, or None."""
    return Manufacturer.objects.filter(tenant_id=tenant_id, pk=pk).first()


def location_list(*, tenant: Tenant, filters: Any = None) -> QuerySet[Location]:
    return apply_filters(LocationFilter, filters, Location.objects.for_tenant(tenant), tenant=tenant)


def workstation_list(*, tenant: Tenant, filters: Any = None) -> QuerySet[Workstation]:
    qs = Workstation.objects.for_tenant(tenant).select_related("location")
    return apply_filters(WorkstationFilter, filters, qs, tenant=tenant)


def spool_list(*, tenant: Tenant, filters: Any = None) -> QuerySet[Spool]:
    """Spools newest first with their material and location; filters: q, status, item_type,
    location, material, ordering."""
    qs = Spool.objects.for_tenant(tenant).select_related("item_type", "location")
    return apply_filters(SpoolFilter, filters, qs, tenant=tenant)


def spools_for_materials(*, tenant: Tenant, grams: dict[int, Decimal],
                         location_id: int | None = None) -> dict[int, list[Spool]]:
    """Active spools of each material in ``grams`` (item type id → grams needed), best first.

    Best: at ``location_id`` (the printer's location) first, then ones holding at least the
    grams needed, then the fullest, then the oldest. Materials without a spool map to ``[]``.
    One query whatever the number of materials.
    """
    found: dict[int, list[Spool]] = {material_id: [] for material_id in grams}
    for spool in (Spool.objects.for_tenant(tenant).filter(item_type_id__in=grams, status=Spool.Status.ACTIVE)
                  .select_related("item_type", "location")):
        found[spool.item_type_id].append(spool)
    for material_id, spools in found.items():
        spools.sort(key=lambda spool: (spool.location_id != location_id or location_id is None,
                                       spool.current_weight_g < grams[material_id], -spool.current_weight_g,
                                       spool.pk))
    return found


def spool_get(*, tenant: Tenant, pk: Any) -> Spool:
    """One spool of the tenant with material and location, or NotFoundError (404)."""
    return get_for_tenant(Spool.objects.select_related("item_type", "location"), tenant, pk)


def transaction_list(*, tenant: Tenant, filters: Any = None) -> QuerySet[InventoryTransaction]:
    """Ledger rows newest first with item, location, spool, author and the reversal if any."""
    qs = (InventoryTransaction.objects.for_tenant(tenant)
          .select_related("item_type", "location", "spool", "created_by", "reversed_by"))
    return apply_filters(InventoryTransactionFilter, filters, qs, tenant=tenant)


def stock_list(*, tenant: Tenant, filters: Any = None) -> QuerySet[StockBalance]:
    """Stock on hand per (item type, location) from ``StockBalance``: one query for any number."""
    qs = StockBalance.objects.for_tenant(tenant).select_related("item_type", "location")
    return apply_filters(StockBalanceFilter, filters, qs, tenant=tenant)


def stock_on_hand(*, tenant: Tenant, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Decimal]:
    """``{(item_type_id, location_id): quantity}`` for the given pairs in one query (0 if never moved)."""
    pairs = list(pairs)
    if not pairs:
        return {}
    condition = Q()
    for item_type_id, location_id in pairs:
        condition |= Q(item_type_id=item_type_id, location_id=location_id)
    rows = (StockBalance.objects.for_tenant(tenant).filter(condition)
            .values_list("item_type_id", "location_id", "quantity"))
    found = {(item_type_id, location_id): quantity for item_type_id, location_id, quantity in rows}
    return {pair: found.get(pair, Decimal("0")) for pair in pairs}


def stock_drift(*, tenant: Tenant) -> list[dict[str, Any]]:
    """Reconciliation: pairs whose balance differs from their ledger sum (empty when all agree).

    Two aggregate queries; meant for checks and tests, not for hot paths.
    """
    ledger = {(r["item_type_id"], r["location_id"]): r["total"] for r in
              InventoryTransaction.objects.for_tenant(tenant).values("item_type_id", "location_id")
              .annotate(total=Sum("quantity"))}
    balances = {(b.item_type_id, b.location_id): b.quantity for b in StockBalance.objects.for_tenant(tenant)}
    drift = []
    places = Decimal("0.001")  # the columns' precision; SQLite sums through floats
    for pair in sorted(set(ledger) | set(balances)):
        expected = Decimal(ledger.get(pair) or 0).quantize(places)
        actual = Decimal(balances.get(pair) or 0).quantize(places)
        if expected != actual:
            drift.append({"item_type_id": pair[0], "location_id": pair[1], "ledger": expected, "balance": actual})
    return drift


def spool_drift(*, tenant: Tenant) -> list[dict[str, Any]]:
    """Spools whose ``current_weight_g`` differs from the sum of their ledger rows less the grams
    machines reported that no row holds yet (``reported_unposted_g``, the open usage sessions)."""
    sums = Spool.objects.for_tenant(tenant).annotate(ledger=Sum("transactions__quantity"))
    grams = Decimal("0.01")
    return [{"spool_id": s.pk, "ledger": s.ledger or Decimal("0"), "reported_unposted_g": s.reported_unposted_g,
             "current_weight_g": s.current_weight_g}
            for s in sums
            if (Decimal(s.ledger or 0) - s.reported_unposted_g).quantize(grams) != s.current_weight_g.quantize(grams)]


def dashboard_summary(*, tenant: Tenant) -> dict[str, Any]:
    """The inventory side of the dashboard: ``active_spools`` and ``low_spool_count`` (active spools
    under 15 % of their received weight), ``filament_on_hand_g`` (grams on active spools, Decimal),
    ``low_spools`` (the 8 lowest of those, with material and location) and the 8 newest ledger rows
    (``recent_transactions``). Three queries: the counts and grams in one aggregate, the low spools,
    the ledger rows.
    """
    spools = Spool.objects.for_tenant(tenant).filter(status=Spool.Status.ACTIVE)
    low = Q(current_weight_g__lt=F("initial_weight_g") * Decimal("0.15"))
    totals = spools.aggregate(active=Count("pk"), low=Count("pk", filter=low), grams=Sum("current_weight_g"))
    return {
        "active_spools": totals["active"],
        "low_spool_count": totals["low"],
        "filament_on_hand_g": totals["grams"] or Decimal("0"),
        "low_spools": list(spools.select_related("item_type", "location").filter(low).order_by("current_weight_g")[:8]),
        "recent_transactions": list(transaction_list(tenant=tenant)[:8]),
    }


def material_names(*, tenant: Tenant) -> list[str]:
    """Distinct material kinds of the tenant's filaments ("PETG", "PLA" …), sorted; one query.

    Feeds the material filter of the spool list.
    """
    return list(ItemType.objects.for_tenant(tenant).filter(kind=ItemType.Kind.MATERIAL).exclude(material="")
                .order_by("material").values_list("material", flat=True).distinct())


def filament_on_hand(*, tenant: Tenant, limit: int = 20) -> list[dict[str, Any]]:
    """Grams on hand per filament (all locations), most first: ``{"name", "color_hex", "grams"}``.

    One aggregate query over ``StockBalance``; feeds the chart of the stock page.
    """
    rows = (StockBalance.objects.for_tenant(tenant).filter(item_type__kind=ItemType.Kind.MATERIAL)
            .values("item_type_id", "item_type__name", "item_type__color_hex")
            .annotate(grams=Sum("quantity")).filter(grams__gt=0).order_by("-grams", "item_type__name")[:limit])
    return [{"name": r["item_type__name"], "color_hex": r["item_type__color_hex"], "grams": r["grams"]}
            for r in rows]


def filament_on_hand_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """``filament_on_hand``'s rows as a chart (``prodtrack.charts``): a bar of grams per filament in
    its colour (grey without one), 26 px a row. No query."""
    return charts.chart(
        kind="bar", horizontal=True, axis="grams", legend=None, height=max(160, 26 * len(rows) + 60),
        labels=[row["name"] for row in rows], datasets=[
            charts.series("grams", [row["grams"] for row in rows], color="secondary",
                          points=[{"color": row["color_hex"] or None} for row in rows])])


def moved_item_types(*, tenant: Tenant) -> QuerySet[ItemType]:
    """Item types that have stock records (i.e. ledger rows), by name: one query.

    Feeds the item filter of the ledger page, which must not list a whole imported catalog.
    """
    return (ItemType.objects.for_tenant(tenant).filter(balances__isnull=False).distinct()
            .order_by("name", "pk"))


def catalog_import_latest(*, tenant: Tenant) -> CatalogImport | None:
    """The tenant's newest filament catalog import (its progress), or None; one query."""
    return CatalogImport.objects.for_tenant(tenant).first()


def catalog_import_get(*, tenant: Tenant, pk: int) -> CatalogImport:
    """One of the tenant's catalog imports; NotFoundError (404) for another tenant's."""
    return get_for_tenant(CatalogImport, tenant, pk, label="catalog import")


def spool_labels(*, tenant: Tenant, ids: list[int] | None = None, filters: Any = None,
                 limit: int = 200) -> tuple[list[Spool], int]:
    """Spools to print labels for, with material and location, and how many matched: the spools
    ``ids`` (in id order; NotFoundError (404) when one is not the tenant's), else those the spool
    list's ``filters`` match (its order), the first ``limit``. Two queries (one with ``ids``)."""
    if ids is not None:
        wanted = sorted(set(ids))[:limit]
        spools = list(Spool.objects.for_tenant(tenant).filter(pk__in=wanted)
                      .select_related("item_type", "location").order_by("pk"))
        if len(spools) != len(wanted):
            raise NotFoundError("Spool not found.")
        return spools, len(spools)
    qs = spool_list(tenant=tenant, filters=filters)
    return list(qs[:limit]), qs.count()
