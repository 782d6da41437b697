"""Usage no run took, recorded as the run it was (``usage_session_record_run``): a completed run on
the session's printer whose filament is the session's grams, posted once; refusals write nothing."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from inventory.models import InventoryTransaction
from inventory.selectors import spool_drift
from printers import selectors, services
from printers.errors import UsageSessionStateError
from printers.models import UsageSession
from printers.services import PrintedItem
from prodtrack.exceptions import ValidationError
from runs.models import ProductionRun
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def posted_session(farm, admin_user) -> UsageSession:
    """MK4 #1 reported 30 g of the PLA spool with no run, from 2 h ago to 1 h ago, posted."""
    token_row, _ = services.printer_token_create(workstation=farm.printer, by=admin_user)
    start = timezone.now() - timedelta(hours=2)
    services.spool_use(printer_token=token_row, spool_id=farm.pla_spool.pk, use_weight=Decimal("12"), at=start)
    services.spool_use(printer_token=token_row, spool_id=farm.pla_spool.pk, use_weight=Decimal("18"),
                       at=start + timedelta(hours=1))
    return services.usage_session_close(session=UsageSession.objects.get(), at=start + timedelta(hours=1, minutes=10))


def _ledger(spool) -> Decimal:
    return InventoryTransaction.objects.filter(spool=spool).aggregate(s=Sum("quantity"))["s"]


def test_recording_makes_a_completed_run_whose_filament_is_the_sessions_grams(posted_session, farm, admin_user,
                                                                             tenant):
    run = services.usage_session_record_run(session=posted_session, by=admin_user,
                                            items=[PrintedItem(product=farm.stand, successful=3, failed=1,
                                                               waste_reason="warped corner")])

    assert run.status == ProductionRun.Status.COMPLETED and run.workstation == farm.printer
    assert (run.started_at, run.completed_at) == (posted_session.opened_at, posted_session.last_report_at)
    (item,) = run.items.all()
    assert (item.product, item.quantity, item.successful_quantity, item.failed_quantity) == (farm.stand, 4, 3, 1)
    (material,) = run.materials.all()
    assert (material.spool, material.actual_weight_g, material.actual_purge_g) == (farm.pla_spool, 30, 0)
    assert (material.reported_g, material.reported_by) == (30, "MK4 #1")
    posted_session.refresh_from_db()
    assert posted_session.run == run


def test_the_grams_are_posted_once_and_the_spool_does_not_move(posted_session, farm, admin_user, tenant):
    last_used = farm.pla_spool.__class__.objects.get(pk=farm.pla_spool.pk).last_used_at

    run = services.usage_session_record_run(session=posted_session, by=admin_user,
                                            items=[PrintedItem(product=farm.stand, successful=4)])

    spool = farm.pla_spool.__class__.objects.get(pk=farm.pla_spool.pk)
    assert spool.current_weight_g == 970 == _ledger(spool) and spool.reported_unposted_g == 0
    assert spool.last_used_at == last_used
    rows = InventoryTransaction.objects.filter(spool=spool).exclude(transaction_type="receipt").order_by("pk")
    assert [(row.transaction_type, row.quantity, row.reference_type) for row in rows] == [
        ("usage", -30, "usage_session"), ("reversal", 30, "usage_session"), ("usage", -30, "production_run")]
    assert rows[1].reverses == rows[0] and rows[1].note == f"Recorded as {run.run_number}"
    assert spool_drift(tenant=tenant) == []


def test_a_recorded_session_leaves_usage_no_run_took(posted_session, farm, admin_user, tenant):
    assert selectors.printer_board(tenant=tenant)[1] == [posted_session]

    services.usage_session_record_run(session=posted_session, by=admin_user,
                                      items=[PrintedItem(product=farm.stand, successful=4)])

    assert selectors.printer_board(tenant=tenant)[1] == []


def test_several_products_and_chosen_times(posted_session, farm, admin_user, tenant):
    clip = ProductFactory(tenant=tenant, name="Cable clip")
    started = posted_session.opened_at - timedelta(minutes=5)

    run = services.usage_session_record_run(
        session=posted_session, by=admin_user, started_at=started, completed_at=posted_session.last_report_at,
        items=[PrintedItem(product=farm.stand, successful=4), PrintedItem(product=clip, successful=10)],
        notes="Printed from the SD card")

    assert [(i.product.name, i.successful_quantity) for i in run.items.order_by("pk")] == [
        ("Phone stand", 4), ("Cable clip", 10)]
    assert run.started_at == started and "Printed from the SD card" in run.notes
    assert run.run_number.startswith(f"ACME-{timezone.localtime(started):%Y%m%d}-")


def _assert_nothing_written(session: UsageSession) -> None:
    session.refresh_from_db()
    assert session.run is None and not ProductionRun.objects.exists()
    assert not InventoryTransaction.objects.filter(reverses=session.transaction).exists()


@pytest.mark.parametrize(("items", "field"), [
    ([], "items"),
    ([("stand", 0, 0, "")], "items[0].successful"),
    ([("stand", -1, 2, "")], "items[0].successful"),
    ([("stand", 3, 1, "  ")], "items[0].waste_reason"),
])
def test_bad_items_are_refused_naming_the_field(posted_session, farm, admin_user, items, field):
    printed = [PrintedItem(product=getattr(farm, name), successful=s, failed=f, waste_reason=r)
               for name, s, f, r in items]

    with pytest.raises(ValidationError) as refused:
        services.usage_session_record_run(session=posted_session, by=admin_user, items=printed)

    assert field in refused.value.fields
    _assert_nothing_written(posted_session)


def test_another_tenants_product_is_refused(posted_session, admin_user, other_tenant):
    foreign = ProductFactory(tenant=other_tenant, name="Their stand")

    with pytest.raises(ValidationError) as refused:
        services.usage_session_record_run(session=posted_session, by=admin_user,
                                          items=[PrintedItem(product=foreign, successful=1)])

    assert refused.value.fields == {"items[0].product": ["not found."]}
    _assert_nothing_written(posted_session)


def test_a_finish_before_the_start_or_in_the_future_is_refused(posted_session, farm, admin_user):
    items = [PrintedItem(product=farm.stand, successful=4)]
    for started_at, completed_at in ((posted_session.last_report_at, posted_session.opened_at),
                                     (None, timezone.now() + timedelta(hours=1))):
        with pytest.raises(ValidationError) as refused:
            services.usage_session_record_run(session=posted_session, by=admin_user, items=items,
                                              started_at=started_at, completed_at=completed_at)
        assert list(refused.value.fields) == ["completed_at"]
    _assert_nothing_written(posted_session)


def test_usage_given_to_a_run_already_is_refused(posted_session, farm, admin_user):
    services.usage_session_record_run(session=posted_session, by=admin_user,
                                      items=[PrintedItem(product=farm.stand, successful=4)])

    with pytest.raises(UsageSessionStateError) as refused:
        services.usage_session_record_run(session=posted_session, by=admin_user,
                                          items=[PrintedItem(product=farm.stand, successful=4)])

    assert refused.value.http_status == 409 and "already count for" in refused.value.message
    assert ProductionRun.objects.count() == 1


def test_an_open_session_is_refused(farm, admin_user):
    token_row, _ = services.printer_token_create(workstation=farm.printer, by=admin_user)
    services.spool_use(printer_token=token_row, spool_id=farm.pla_spool.pk, use_weight=Decimal("5"))
    session = UsageSession.objects.get()

    with pytest.raises(UsageSessionStateError) as refused:
        services.usage_session_record_run(session=session, by=admin_user,
                                          items=[PrintedItem(product=farm.stand, successful=4)])

    assert "still reporting" in refused.value.message and not ProductionRun.objects.exists()
