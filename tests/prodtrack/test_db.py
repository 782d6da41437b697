"""``prodtrack.db.rows_update``: one UPDATE writes each row's own values, NULLs, text and times included."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from prodtrack.db import rows_update
from runs.models import ProductionRunMaterial

pytestmark = pytest.mark.django_db


def test_each_row_gets_its_own_values_in_one_statement(make_run, farm):
    runs = [make_run(quantity=4) for _ in range(3)]
    materials = list(ProductionRunMaterial.objects.filter(run__in=runs).order_by("pk"))
    for index, material in enumerate(materials):
        material.actual_weight_g = None if index == 2 else Decimal("10.25") * index
        material.actual_purge_g = Decimal("0.50")
    items = [run.items.get() for run in runs]
    for index, item in enumerate(items):
        item.failed_quantity, item.waste_reason = index, f"it's 'warped' #{index}"
    later = timezone.now() + timedelta(hours=3)
    runs[0].completed_at = later

    with CaptureQueriesContext(connection) as queries:
        assert rows_update(materials, ["actual_weight_g", "actual_purge_g"]) == len(materials)
    rows_update(items, ["failed_quantity", "waste_reason"])
    rows_update([runs[0]], ["completed_at"])

    assert len(queries) == 1
    stored = {m.pk: (m.actual_weight_g, m.actual_purge_g) for m in ProductionRunMaterial.objects.filter(run__in=runs)}
    assert stored == {m.pk: (m.actual_weight_g, m.actual_purge_g) for m in materials}
    assert [(i.failed_quantity, i.waste_reason) for i in (type(items[0]).objects.filter(pk__in=[i.pk for i in items])
                                                        .order_by("pk"))] == [
        (0, "it's 'warped' #0"), (1, "it's 'warped' #1"), (2, "it's 'warped' #2")]
    for run in runs:
        run.refresh_from_db()
    assert [run.completed_at for run in runs] == [later, None, None]        # only the row given
