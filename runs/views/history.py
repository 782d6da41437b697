"""The runs' tabs on inventory pages: a product's "Production history" and a spool's "Production
usage".

Inventory never imports runs (DESIGN §1), so these are not inventory views: ``runs.apps``
registers them with ``inventory.tabs``, and the item and spool detail pages call them when
``?tab=history`` / ``?tab=usage`` is chosen (full page or HTMX tab switch, same URL). Each
returns its panel's template context; the panels are ``runs/_product_history.html`` and
``runs/_spool_usage.html``.
"""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from inventory.models import ItemType, Spool
from prodtrack.pages import paginate
from runs import selectors


def product_history_tab(request: HttpRequest, product: ItemType) -> dict[str, Any]:
    """A product's production: ``history`` — the summary of ``product_production_history`` (runs,
    planned / successful / failed pieces over completed runs, estimated cost per planned piece and
    actual cost per good piece, money) plus ``cost_variance_pct`` (actual per good piece vs
    estimated per piece, %, None when either is missing) — and ``page``: its run items newest first,
    each with its run, ``actual_cost`` and ``cost_variance_pct``. Three queries (summary, count, page)."""
    summary, items = selectors.product_production_history(tenant=request.tenant, product=product)
    return {"history": summary, "page": paginate(request, items)}


def spool_usage_tab(request: HttpRequest, spool: Spool) -> dict[str, Any]:
    """A spool's production usage: ``usage`` — runs and ``used_g`` (net grams production took from
    it, per the ledger) from ``spool_production_usage`` — and ``page``: its run materials newest
    first, each with its run and ``variance`` (estimated vs actual weight + purge, grams and %).
    Four queries (runs, grams, count, page)."""
    summary, materials = selectors.spool_production_usage(tenant=request.tenant, spool=spool)
    return {"usage": summary, "page": paginate(request, materials)}
