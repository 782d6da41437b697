"""Extra fields (Spoolman's custom fields) on spools, materials and manufacturers: each keeps
``extra`` (key → JSON text). Their definitions live with the printers app's Spoolman settings;
these services change the values every row of a tenant holds for one key."""
from __future__ import annotations

import json

from django.db import transaction

from inventory.models import ItemType, Manufacturer, Spool
from inventory.selectors import manufacturers_forget
from prodtrack.db import rows_update
from prodtrack.telemetry import traced

EXTRA_MODELS = {"spool": Spool, "item_type": ItemType, "manufacturer": Manufacturer}


@traced("extra_key.clear")
@transaction.atomic
def extra_key_clear(*, tenant_id: int, model_name: str, key: str) -> int:
    """Remove ``key`` from the ``extra`` of every ``model_name`` row (spool, item_type or
    manufacturer) of the tenant, archived spools included; returns how many rows held it. The
    rows are locked in primary-key order."""
    model = EXTRA_MODELS[model_name]
    rows = list(model.objects.select_for_update().filter(tenant_id=tenant_id, extra__has_key=key).order_by("pk"))
    for row in rows:
        row.extra = {name: value for name, value in row.extra.items() if name != key}
    rows_update(rows, ["extra"])
    if model is Manufacturer and rows:
        manufacturers_forget(tenant_id=tenant_id)
    return len(rows)


def _decoded(text: str) -> object:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


@traced("spool.extra_rename")
@transaction.atomic
def spool_extra_value_rename(*, tenant_id: int, key: str, value: str, new_value: str) -> int:
    """Every spool of the tenant (archived ones included) whose extra field ``key`` holds the text
    ``value`` (whichever way its JSON was written) holds ``new_value`` from now on, written as
    JSON text. Returns how many spools held it."""
    spools = list(Spool.objects.select_for_update().filter(tenant_id=tenant_id, extra__has_key=key).order_by("pk"))
    changed = [spool for spool in spools if _decoded(spool.extra[key]) == value]
    for spool in changed:
        spool.extra = {**spool.extra, key: json.dumps(new_value, ensure_ascii=False)}
    rows_update(changed, ["extra"])
    return len(changed)
