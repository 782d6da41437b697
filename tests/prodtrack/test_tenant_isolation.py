"""Tenant isolation as a sweep over every API route in the URL conf.

Each route is called as the admin of tenant A with tenant B's ids; it must answer 404 (or 403
for role limits) and never show B's data. New routes are covered without editing this test:
a route whose URL keywords are not declared in its view's ``url_kwarg_models`` fails it.
"""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from inventory import services as inventory_services
from inventory.models import InventoryTransaction, ItemType, Location, Spool, Workstation
from plans import services as plan_services
from plans.models import JobQueueEntry, ProductionPlan, ProductionPlanRun, ProductionPlanStep, Recipe, TransportJob
from prodtrack.api import TenantApiView
from runs import services as run_services
from runs.models import ProductionRun, ProductionRunItem, ProductionRunMaterial
from stockpiles import services as stockpile_services
from stockpiles.models import AutoProductionRun, StockpileMarker
from tests.factories import LocationFactory, MaterialFactory, ProductFactory, WorkstationFactory, make_recipe

SECRET = "SECRET-OTHER-TENANT"
METHODS = ("get", "post", "put", "patch", "delete")


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def api_routes():
    """(route, view class) for every tenant API view under /api/v1/."""
    routes = []
    for route, callback in _walk(get_resolver().url_patterns):
        view_class = getattr(callback, "view_class", None)
        if route.startswith("api/v1/") and view_class and issubclass(view_class, TenantApiView):
            routes.append((route, view_class))
    return routes


ROUTES = api_routes()


def test_the_sweep_sees_the_inventory_routes():
    routes = {route for route, _ in ROUTES}
    assert {"api/v1/spools", "api/v1/spools/<int:pk>/adjust", "api/v1/transactions/<int:pk>/reverse",
            "api/v1/stock"} <= routes


def test_the_sweep_sees_the_plans_routes():
    routes = {route for route, _ in ROUTES}
    assert {"api/v1/plans/<int:pk>/steps/<int:step_id>", "api/v1/plans/<int:pk>/runs/<int:run_id>",
            "api/v1/plans/runs/<int:run_id>/cancel", "api/v1/plans/by-product/<int:item_type_id>",
            "api/v1/jobs/<int:pk>/start", "api/v1/jobs/<int:pk>/cancel",
            "api/v1/transport-jobs/<int:pk>/status"} <= routes


def test_the_sweep_sees_the_stockpiles_routes():
    routes = {route for route, _ in ROUTES}
    assert {"api/v1/stockpiles", "api/v1/stockpiles/<int:pk>", "api/v1/stockpiles/deficits",
            "api/v1/auto-production/runs", "api/v1/auto-production/runs/<int:pk>"} <= routes


@pytest.fixture
def other_tenant_data(other_tenant, other_admin):
    """Tenant B owns one object of every kind, each marked with SECRET."""
    location = LocationFactory(tenant=other_tenant, name=f"{SECRET} shelf")
    material = MaterialFactory(tenant=other_tenant, name=f"{SECRET} PLA")
    product = ProductFactory(tenant=other_tenant, name=f"{SECRET} stand")
    workstation = WorkstationFactory(tenant=other_tenant, name=f"{SECRET} printer", location=location)
    spool = inventory_services.spool_receive(tenant=other_tenant, by=other_admin, item_type=material,
                                             location=location, initial_weight_g=Decimal("750"),
                                             lot_number=SECRET, note=SECRET)
    inventory_services.stock_adjust(tenant=other_tenant, by=other_admin, item_type=product, location=location,
                                    quantity=Decimal("5"), note=SECRET)
    row = InventoryTransaction.objects.filter(spool=spool).get()
    recipe = make_recipe(tenant=other_tenant, product=product, inputs=[(material, "50")], name=f"{SECRET} recipe")
    run = run_services.production_run_create(
        tenant=other_tenant, by=other_admin, workstation=workstation, printer_name=SECRET, notes=SECRET,
        items=[run_services.ItemSpec(product=product, quantity=2, bed_position=SECRET)],
        materials=[run_services.MaterialSpec(spool=spool)])
    run_services.production_run_complete(
        run=run, by=other_admin, completion_notes=SECRET,
        materials=[run_services.MaterialActual(material_id=run.materials.get().pk, actual_weight_g=Decimal("60"))])
    # A plan made in two places: a kit (at the shelf) from a part (made in the annex), so that
    # generating gives a plan run with jobs and a transport job.
    annex = LocationFactory(tenant=other_tenant, name=f"{SECRET} annex")
    part = ProductFactory(tenant=other_tenant, name=f"{SECRET} part")
    kit = ProductFactory(tenant=other_tenant, name=f"{SECRET} kit")
    make_recipe(tenant=other_tenant, product=part, inputs=[(material, "5")], name=f"{SECRET} part recipe")
    make_recipe(tenant=other_tenant, product=kit, inputs=[(part, "2")], name=f"{SECRET} kit recipe")
    plan = plan_services.production_plan_create(
        tenant=other_tenant, name=f"{SECRET} plan", product=kit, notes=SECRET, transport_enabled=True,
        root={"location": location})
    root = plan.steps.get()
    plan_services.production_plan_step_add(parent=root, product=part, data={"location": annex})
    generated = plan_services.plan_generate(plan=plan, by=other_admin, quantity=3)
    assert generated.jobs and generated.transport_jobs
    # A kit target below stock with auto-production on, and a tick whose output names the plan.
    marker, _ = stockpile_services.stockpile_marker_upsert(
        tenant=other_tenant, owner=other_admin, item_type=kit, location=location, desired_quantity=Decimal("10"),
        plan=plan, auto_production_enabled=True)
    (tick,) = stockpile_services.auto_production_tick(tenant=other_tenant, triggered_by="manual", by=other_admin)
    assert SECRET in str(tick.output)
    return {ItemType: material, Location: location, Workstation: workstation, Spool: spool,
            InventoryTransaction: row, "product": product, Recipe: recipe, ProductionRun: run,
            ProductionRunItem: run.items.get(), ProductionRunMaterial: run.materials.get(),
            ProductionPlan: plan, ProductionPlanStep: root, ProductionPlanRun: generated.run,
            JobQueueEntry: generated.jobs[0], TransportJob: generated.transport_jobs[0],
            StockpileMarker: marker, AutoProductionRun: tick}


def _body(data):
    """A plausible body naming B's objects wherever a field takes an id."""
    return {"item_type": data[ItemType].pk, "location": data[Location].pk, "spool": data[Spool].pk,
            "name": "x", "sku": "x-1", "kind": "product", "quantity": "1", "initial_weight_g": "100",
            "gross_weight_g": "900", "net_weight_g": "1", "lot_number": "x",
            "product": data["product"].pk, "workstation": data[Workstation].pk,
            "inputs": [{"item_type": data[ItemType].pk, "quantity": "1"}],
            "items": [{"product": data["product"].pk, "quantity": 1}], "materials": [{"spool": data[Spool].pk}],
            "recipe": data[Recipe].pk, "parent": data[ProductionPlanStep].pk, "spools": [data[Spool].pk],
            "plan": data[ProductionPlan].pk, "plan_run": data[ProductionPlanRun].pk, "parallelism": 0,
            "plan_id": data[ProductionPlan].pk, "desired_quantity": "1", "auto_production_enabled": False,
            "status": "in_transit", "material_efficiency": "10", "root": {"location": data[Location].pk}}


def _b_row_counts(tenant):
    counts = {model: model.objects.filter(tenant=tenant).count()
              for model in (ItemType, Location, Workstation, Spool, InventoryTransaction, Recipe, ProductionRun,
                            ProductionPlan, ProductionPlanRun, JobQueueEntry, TransportJob, StockpileMarker,
                            AutoProductionRun)}
    counts[ProductionPlanStep] = ProductionPlanStep.objects.filter(plan__tenant=tenant).count()
    counts["states"] = (sorted(JobQueueEntry.objects.filter(tenant=tenant).values_list("status", flat=True)),
                        sorted(TransportJob.objects.filter(tenant=tenant).values_list("status", flat=True)),
                        sorted(ProductionPlanStep.objects.filter(plan__tenant=tenant)
                               .values_list("material_efficiency", flat=True)),
                        sorted(StockpileMarker.objects.filter(tenant=tenant).values_list(
                            "desired_quantity", "plan_id", "auto_production_enabled")))
    return counts


@pytest.mark.parametrize("route,view_class", ROUTES, ids=[r for r, _ in ROUTES])
def test_every_api_route_refuses_another_tenants_ids(route, view_class, api, other_tenant, other_tenant_data):
    kwargs = re.findall(r"<(?:\w+:)?(\w+)>", route)
    undeclared = [k for k in kwargs if k not in view_class.url_kwarg_models]
    assert not undeclared, f"{view_class.__name__} must declare url_kwarg_models for {undeclared}"
    url = "/" + route
    for name in kwargs:
        model = view_class.url_kwarg_models[name]
        url = re.sub(rf"<(?:\w+:)?{name}>", str(other_tenant_data[model].pk), url)
    before = _b_row_counts(other_tenant)

    for method in METHODS:
        if not hasattr(view_class, method):
            continue
        response = getattr(api, method)(url, _body(other_tenant_data), format="json") if method != "get" \
            else api.get(url, {"item_type": other_tenant_data[ItemType].pk})
        body = response.content.decode()
        assert SECRET not in body, f"{method.upper()} {url} leaked tenant B's data"
        if kwargs:
            assert response.status_code in (403, 404), f"{method.upper()} {url} → {response.status_code}"
        else:
            assert response.status_code < 500

    assert _b_row_counts(other_tenant) == before


@pytest.mark.parametrize("route,view_class", [(r, v) for r, v in ROUTES if "<" not in r and hasattr(v, "get")],
                         ids=[r for r, v in ROUTES if "<" not in r and hasattr(v, "get")])
def test_every_api_list_shows_only_the_active_tenants_rows(route, view_class, api, other_tenant_data):
    response = api.get("/" + route)

    assert response.status_code == 200
    assert SECRET not in response.content.decode()
