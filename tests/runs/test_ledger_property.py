"""Property (hypothesis, PostgreSQL): any sequence of run creates, completes, fails and voids,
transfers, transport deliveries, shipments and count adjustments keeps the books — every stock
balance equals its ledger sum, every spool equals its ledger sum, nothing is below zero, and a
refused step writes nothing."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from inventory import selectors as inventory_selectors
from inventory import services as inventory_services
from inventory.models import InventoryTransaction, Spool, StockBalance
from inventory.services import StockLine
from plans import services as plan_services
from plans.models import TransportJob
from prodtrack.exceptions import ApplicationError
from runs import services
from runs.models import ProductionRun
from tests.factories import MembershipFactory, TenantFactory
from tests.support.assembly import AssemblyShop, assembly_shop_build

MADE = ("drawer", "frame", "organiser_set", "shell", "base")
STOCKED = ("drawer", "frame", "organiser_set", "shell", "base", "steel_shot")

step = st.one_of(
    st.tuples(st.just("create"), st.sampled_from(MADE), st.integers(1, 4)),
    st.tuples(st.just("complete"), st.integers(0, 30), st.integers(0, 4)),
    st.tuples(st.just("fail"), st.integers(0, 30)),
    st.tuples(st.just("void"), st.integers(0, 30)),
    st.tuples(st.just("transfer"), st.sampled_from(STOCKED), st.integers(1, 4), st.booleans()),
    st.tuples(st.just("transport"), st.integers(1, 3)),
    st.tuples(st.just("ship"), st.sampled_from(STOCKED), st.integers(1, 4), st.booleans()),
    st.tuples(st.just("adjust"), st.sampled_from(STOCKED), st.integers(-4, 6), st.booleans()),
)


class World:
    """The assembly shop of one example with 3 of every part on both shelves, the runs it started,
    and a plan whose drawers are made in the warehouse and carried to the print room (a transport
    job per plan run)."""

    def __init__(self) -> None:
        self.tenant = TenantFactory()
        self.user = MembershipFactory(tenant=self.tenant).user
        self.shop: AssemblyShop = assembly_shop_build(tenant=self.tenant, by=self.user)
        self.runs: list[ProductionRun] = []
        shop = self.shop
        self.plan = plan_services.production_plan_create(
            tenant=self.tenant, name="Sets from warehouse drawers", product=shop.organiser_set,
            transport_enabled=True, transport_cost_per_item=Decimal("0.10"), root={"location": shop.room})
        plan_services.production_plan_step_add(parent=self.plan.steps.get(parent__isnull=True), product=shop.drawer,
                                               data={"location": shop.warehouse})
        for item in STOCKED:                 # a few of everything on both shelves to start from
            for location in (shop.room, shop.warehouse):
                inventory_services.stock_adjust(tenant=self.tenant, by=self.user, item_type=getattr(shop, item),
                                                location=location, quantity=Decimal(3), note="opening count")

    def where(self, in_warehouse: bool):
        return self.shop.warehouse if in_warehouse else self.shop.room

    def run(self, index: int) -> ProductionRun | None:
        return self.runs[index % len(self.runs)] if self.runs else None

    def create(self, product: str, pieces: int) -> None:
        shop, item = self.shop, getattr(self.shop, product)
        workstation, spool = {
            "drawer": (shop.printer, shop.pla_spool), "frame": (shop.printer, shop.pla_spool),
            "shell": (shop.shell_printer, shop.petg_spool), "organiser_set": (shop.bench, None),
            "base": (shop.base_bench, None)}[product]
        self.runs.append(services.production_run_create(
            tenant=self.tenant, by=self.user, workstation=workstation,
            items=[services.ItemSpec(product=item, quantity=pieces)],
            materials=[services.MaterialSpec(spool=spool)] if spool else []))

    def complete(self, index: int, failed: int) -> None:
        run = self.run(index)
        if run is None:
            return
        item = run.items.get()
        failed = min(failed, item.quantity)
        services.production_run_complete(
            run=run, by=self.user,
            materials=[services.MaterialActual(material_id=m.pk, use_estimate=True) for m in run.materials.all()],
            items=[services.ItemOutcome(item_id=item.pk, successful_quantity=item.quantity - failed,
                                        failed_quantity=failed, waste_reason="warped" if failed else "")])

    def transport(self, quantity: int) -> None:
        generated = plan_services.plan_generate(plan=self.plan, by=self.user, quantity=quantity)
        for transport in TransportJob.objects.filter(plan_run=generated.run):
            for status in (TransportJob.Status.IN_TRANSIT, TransportJob.Status.DELIVERED):
                plan_services.transport_job_set_status(transport_job=transport, status=status, by=self.user)

    def apply(self, op: tuple) -> None:
        kind, *args = op
        if kind == "create":
            self.create(*args)
        elif kind == "complete":
            self.complete(*args)
        elif kind in ("fail", "void") and self.runs:
            action = services.production_run_fail if kind == "fail" else services.production_run_cancel
            action(run=self.run(args[0]), by=self.user)
        elif kind == "transport":
            self.transport(*args)
        elif kind == "transfer":
            item, quantity, from_warehouse = args
            inventory_services.stock_transfer(
                tenant=self.tenant, by=self.user, origin=self.where(from_warehouse),
                destination=self.where(not from_warehouse),
                items=[StockLine(item_type=getattr(self.shop, item), quantity=Decimal(quantity))])
        elif kind == "ship":
            item, quantity, in_warehouse = args
            inventory_services.stock_ship(tenant=self.tenant, by=self.user, location=self.where(in_warehouse),
                                          customer="Shop order",
                                          items=[StockLine(item_type=getattr(self.shop, item), quantity=Decimal(quantity))])
        elif kind == "adjust" and args[1]:
            item, quantity, in_warehouse = args
            inventory_services.stock_adjust(tenant=self.tenant, by=self.user, item_type=getattr(self.shop, item),
                                            location=self.where(in_warehouse), quantity=Decimal(quantity),
                                            note="counted")


class StockMovesKeepTheBooks(TestCase):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(step, min_size=1, max_size=20))
    def test_balances_and_spools_equal_their_ledger_sums_and_none_is_below_zero(self, operations):
        world = World()
        for op in operations:
            rows_before = InventoryTransaction.objects.count()
            try:
                world.apply(op)
                event(f"{op[0]}: done")          # --hypothesis-show-statistics shows what ran
            except ApplicationError as error:
                event(f"{op[0]}: refused ({error.code})")
                assert error.http_status in (400, 409), (op, error)
                assert InventoryTransaction.objects.count() == rows_before, f"refused {op} wrote rows"

        assert inventory_selectors.stock_drift(tenant=world.tenant) == []
        assert inventory_selectors.spool_drift(tenant=world.tenant) == []
        assert not StockBalance.objects.filter(tenant=world.tenant, quantity__lt=0).exists()
        assert not Spool.objects.filter(tenant=world.tenant, current_weight_g__lt=0).exists()
