"""Where a ledger row's source document lives: ``reference_type`` → page URL.

A ledger row names its source by ``reference_type`` + ``reference_id`` (DESIGN §1: inventory
never imports the apps that post to it), so the apps register how to link their documents::

    # runs/apps.py
    def ready(self):
        from inventory.references import register_reference
        register_reference("production_run", lambda pk: reverse("runs:run-detail", args=[pk]))

The ledger page then shows ``reference_label`` as a link when a resolver is known.
"""
from __future__ import annotations

from collections.abc import Callable

from django.urls import NoReverseMatch, reverse

from inventory.services import REFERENCE_SPOOL

Resolver = Callable[[str], str]

_resolvers: dict[str, Resolver] = {}


def register_reference(reference_type: str, resolver: Resolver) -> None:
    """Link ledger rows of ``reference_type``: ``resolver(reference_id)`` returns the page URL."""
    _resolvers[reference_type] = resolver


def reference_url(reference_type: str, reference_id: str) -> str | None:
    """The URL of a row's source document, or None when unknown (no resolver, no id, no route)."""
    resolver = _resolvers.get(reference_type)
    if resolver is None or not reference_id:
        return None
    try:
        return resolver(reference_id)
    except (NoReverseMatch, ValueError):
        return None


register_reference(REFERENCE_SPOOL, lambda pk: reverse("inventory:spool-detail", args=[int(pk)]))
