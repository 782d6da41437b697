"""Tabs of the inventory detail pages (item, spool), including tabs other apps add.

Inventory never imports the apps that post to it (DESIGN §1), yet a product's page shows the
production runs that made it and a spool's page the runs that used it. So, as with
``inventory.references``, those apps register their tabs when they start::

    # runs/apps.py
    def ready(self):
        from inventory.tabs import DetailTab, register_tab
        register_tab("item", DetailTab(key="history", label="Production history",
                                       template="runs/_product_history.html", context=product_history_tab,
                                       applies=lambda item: item.kind == "product"))

A page lists its own tabs first, then the registered ones that apply to its object; ``?tab=<key>``
picks one (the first when missing or unknown). Only the chosen tab's ``context`` runs, so a page
costs the queries of the tab it shows, and a full load of ``?tab=<key>`` renders the same tab as
the HTMX request that switched to it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

PAGES = ("item", "spool")


def _always(obj: Any) -> bool:
    return True


@dataclass(frozen=True)
class DetailTab:
    """One tab: ``key`` (its ``?tab=`` value), ``label``, the ``template`` of its panel, and
    ``context(request, obj) -> dict`` for that template (paginate with ``?page=``). ``applies(obj)``
    says whether the object's page shows it (e.g. products only)."""

    key: str
    label: str
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any]]
    applies: Callable[[Any], bool] = _always


_registry: dict[str, list[DetailTab]] = {page: [] for page in PAGES}


def register_tab(page: str, tab: DetailTab) -> None:
    """Add ``tab`` to the ``page`` ("item" or "spool") detail page; registering a key again replaces it."""
    if page not in _registry:
        raise ValueError(f"Unknown detail page {page!r}: one of {', '.join(PAGES)}.")
    _registry[page] = [known for known in _registry[page] if known.key != tab.key] + [tab]


def detail_tabs(page: str, obj: Any, *, own: list[DetailTab]) -> list[DetailTab]:
    """The tabs of ``obj``'s page: the page's ``own`` tabs, then the registered ones that apply."""
    return own + [tab for tab in _registry[page] if tab.applies(obj)]


def choose_tab(tabs: list[DetailTab], key: str | None) -> DetailTab:
    """The tab named ``key``, or the first one."""
    return next((tab for tab in tabs if tab.key == key), tabs[0])
