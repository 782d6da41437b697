"""Reports racing on one spool and two managers giving the same usage away (PostgreSQL, real
threads with their own connections), and the books after any interleaving of reports, session closes, weigh-ins and idle posting (hypothesis):
spool weight = ledger sum − open sessions."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from rest_framework.test import APIClient

from inventory import services as inventory_services
from inventory.models import InventoryTransaction, Spool
from inventory.selectors import spool_drift
from printers import services
from printers.errors import UsageSessionStateError
from printers.models import UsageSession
from prodtrack.exceptions import ApplicationError
from runs import services as run_services
from runs.models import ProductionRun
from tests.factories import LocationFactory, MaterialFactory, MembershipFactory, TenantFactory, WorkstationFactory
from tests.factories import receive_spool as receive
from tests.support.threads import run_concurrently

THREADS, CALLS_EACH = 25, 4          # 100 use calls; 25 connections stay under PostgreSQL's default 100


@pytest.mark.django_db(transaction=True)
def test_a_hundred_concurrent_use_calls_take_exactly_their_sum(farm, admin_user):
    _, token = services.printer_token_create(workstation=farm.printer, by=admin_user)
    url = f"/spoolman/{token}/api/v1/spool/{farm.pla_spool.pk}/use"
    grams = [Decimal("0.25") * (1 + (i % 7)) for i in range(THREADS * CALLS_EACH)]

    def report(thread: int) -> list[int]:
        client = APIClient()
        return [client.put(url, {"use_weight": str(grams[thread * CALLS_EACH + n])}, format="json").status_code
                for n in range(CALLS_EACH)]

    statuses = run_concurrently(report, THREADS)

    assert all(codes == [200] * CALLS_EACH for codes in statuses), statuses
    spool = Spool.objects.get(pk=farm.pla_spool.pk)
    assert spool.current_weight_g == Decimal("1000") - sum(grams)
    session = UsageSession.objects.get()
    assert (session.grams, session.reports) == (sum(grams), THREADS * CALLS_EACH)
    assert spool_drift(tenant=farm.printer.tenant) == []


step = st.one_of(
    st.tuples(st.just("use_weight"), st.integers(0, 1), st.decimals("-30", "400", places=2)),
    st.tuples(st.just("use_length"), st.integers(0, 1), st.integers(0, 20_000)),
    st.tuples(st.just("close"), st.integers(0, 5)),
    st.tuples(st.just("measure"), st.integers(0, 1), st.decimals("0", "1200", places=2)),
    st.tuples(st.just("idle"), st.just(0)),
)


class InterleavingsKeepTheBooks(TestCase):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(step, min_size=1, max_size=25))
    def test_spool_weight_is_ledger_sum_less_open_sessions(self, steps):
        tenant = TenantFactory()
        user = MembershipFactory(tenant=tenant).user
        room = LocationFactory(tenant=tenant)
        printers = [WorkstationFactory(tenant=tenant, location=room) for _ in range(2)]
        tokens = [services.printer_token_create(workstation=printer, by=user)[0] for printer in printers]
        spool = receive(tenant=tenant, by=user, material=MaterialFactory(tenant=tenant), location=room, grams="1000")
        for kind, *args in steps:
            try:
                if kind in ("use_weight", "use_length"):
                    amount = Decimal(args[1])
                    services.spool_use(printer_token=tokens[args[0]], spool_id=spool.pk, **{kind: amount})
                elif kind == "close":
                    sessions = list(UsageSession.objects.filter(tenant=tenant).order_by("pk"))
                    if sessions:
                        services.usage_session_close(session=sessions[args[0] % len(sessions)])
                elif kind == "measure":
                    inventory_services.spool_adjust(spool=spool, by=user, net_weight_g=args[1])
                else:
                    services.usage_sessions_close_idle(now=timezone.now() + services.IDLE_AFTER * 2)
            except ApplicationError as error:
                assert error.http_status in (400, 409), error

        spool.refresh_from_db()
        open_grams = UsageSession.objects.filter(spool=spool, closed_at__isnull=True).aggregate(
            s=Sum("grams"))["s"] or Decimal(0)
        ledger = InventoryTransaction.objects.filter(spool=spool).aggregate(s=Sum("quantity"))["s"]
        assert spool.current_weight_g == ledger - open_grams
        assert spool.reported_unposted_g == open_grams
        assert spool.current_weight_g >= 0
        assert spool_drift(tenant=tenant) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rival", ["record", "attribute"])
def test_two_managers_giving_the_same_usage_away_at_once_one_wins(farm, admin_user, rival):
    # given: 30 g no run took, and (for "attribute") a run in progress on its spool to give them to
    token_row, _ = services.printer_token_create(workstation=farm.printer, by=admin_user)
    services.spool_use(printer_token=token_row, spool_id=farm.pla_spool.pk, use_weight=Decimal("30"))
    session = services.usage_session_close(session=UsageSession.objects.get())
    started = run_services.production_run_create(
        tenant=farm.printer.tenant, by=admin_user, workstation=farm.printer,
        items=[run_services.ItemSpec(product=farm.stand, quantity=4)],
        materials=[run_services.MaterialSpec(spool=farm.pla_spool)]) if rival == "attribute" else None

    def give(index: int):                                   # when: both at once
        if index == 0 or rival == "record":
            return services.usage_session_record_run(
                session=session, by=admin_user, items=[services.PrintedItem(product=farm.stand, successful=4)])
        return services.usage_session_attribute(session=session, run=started, by=admin_user)

    outcomes = run_concurrently(give, 2)

    # then: one wins, the other is told the grams count elsewhere now; the books hold
    refused = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], UsageSessionStateError), outcomes
    assert "already count for" in refused[0].message
    session.refresh_from_db()
    assert session.run is not None
    assert InventoryTransaction.objects.filter(reverses=session.transaction).count() == 1
    assert ProductionRun.objects.filter(status=ProductionRun.Status.COMPLETED).count() == (
        1 if session.run.status == ProductionRun.Status.COMPLETED else 0)
    spool = Spool.objects.get(pk=farm.pla_spool.pk)
    assert spool.current_weight_g == 970
    assert spool_drift(tenant=farm.printer.tenant) == []
