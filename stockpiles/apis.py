"""Stockpiles API (``/api/v1/``): stockpile markers, deficits and the auto-production run log.
Thin views — parse, one service or selector, render.

Roles: any member reads; managers write markers and trigger a tick ("Run now"). A URL id of
another tenant is a 404.
"""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from prodtrack.api import TenantApiView
from prodtrack.idempotency import HEADER as IDEMPOTENCY_HEADER
from prodtrack.idempotency import idempotent
from prodtrack.models import Role
from stockpiles import selectors, services
from stockpiles.models import AutoProductionRun, StockpileMarker
from stockpiles.selectors import DeficitKind
from stockpiles.serializers import (
    AutoProductionRunDetailOutput,
    AutoProductionRunOutput,
    DeficitOutput,
    StockpileOutput,
    StockpileUpdateInput,
    StockpileUpsertInput,
)

PAGE_PARAMETERS = [
    OpenApiParameter("page", int),
    OpenApiParameter("page_size", int, description="Rows per page (default 20, at most 100)."),
]
MARKER_LIST_PARAMETERS = [
    OpenApiParameter("q", str, description="Words of the item's name or SKU, or the location's name."),
    OpenApiParameter("item_type", int),
    OpenApiParameter("location", int),
    OpenApiParameter("plan", int),
    OpenApiParameter("owner", int, description="Markers of this user."),
    OpenApiParameter("auto_production_enabled", bool),
    OpenApiParameter("below_target", bool, description="Only markers with (true) or without (false) a deficit."),
    OpenApiParameter("ordering", str, enum=[f"{sign}{field}" for field in ("item", "location", "desired", "on_hand",
                                                                           "deficit") for sign in ("", "-")],
                     description="Sort key (default: item, then location); a leading - sorts descending."),
    *PAGE_PARAMETERS,
]
DEFICIT_PARAMETERS = [
    OpenApiParameter("kind", str, enum=[value for value, _ in DeficitKind.CHOICES]),
    OpenApiParameter("item_type", int),
    OpenApiParameter("location", int),
    *PAGE_PARAMETERS,
]
RUN_LIST_PARAMETERS = [
    OpenApiParameter("status", str, many=True, enum=AutoProductionRun.Status.values, description="Repeatable."),
    OpenApiParameter("triggered_by", str, enum=AutoProductionRun.Trigger.values),
    *PAGE_PARAMETERS,
]
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER, str, OpenApiParameter.HEADER, required=False,
    description="Repeat the request with the same key and body to get the first tick back, not a second one.")


def _render_marker(request, pk: int, code: int = status.HTTP_200_OK) -> Response:
    return Response(StockpileOutput(selectors.stockpile_marker_get(tenant=request.tenant, pk=pk)).data, status=code)


class StockpileListApi(TenantApiView):
    """Stockpile markers ("keep N of this item at this location"), each with stock on hand, deficit
    and auto-production status (``off``, ``on``, ``covered``, ``cooling_down``).
    POST upserts your marker for (item, location): 201 when created, 200 when its settings were
    replaced."""

    write_role = Role.MANAGER

    @extend_schema(parameters=MARKER_LIST_PARAMETERS, responses=StockpileOutput(many=True))
    def get(self, request):
        return self.paginate(selectors.stockpile_marker_list(tenant=request.tenant, filters=request.query_params),
                             StockpileOutput)

    @extend_schema(request=StockpileUpsertInput, responses={200: StockpileOutput, 201: StockpileOutput},
                   summary="Create or update your marker for an item at a location")
    def post(self, request):
        marker, created = services.stockpile_marker_upsert(tenant=request.tenant, owner=request.user,
                                                           **self.validate(StockpileUpsertInput))
        return _render_marker(request, marker.pk, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class StockpileDetailApi(TenantApiView):
    """One marker. PUT and PATCH change the settings sent (desired quantity, plan, parallelism,
    auto-production); DELETE removes it."""

    write_role = Role.MANAGER
    url_kwarg_models = {"pk": StockpileMarker}

    @extend_schema(responses=StockpileOutput)
    def get(self, request, pk):
        return _render_marker(request, pk)

    @extend_schema(request=StockpileUpdateInput, responses=StockpileOutput)
    def put(self, request, pk):
        services.stockpile_marker_update(marker=self.get_object(), data=self.validate(StockpileUpdateInput))
        return _render_marker(request, pk)

    @extend_schema(request=StockpileUpdateInput, responses=StockpileOutput)
    def patch(self, request, pk):
        return self.put(request, pk)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk):
        services.stockpile_marker_delete(marker=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class StockpileDeficitListApi(TenantApiView):
    """Markers below target, "to produce" (auto-production on) first, then "to buy": per marker the
    desired quantity, stock on hand, gross deficit, pending production and net deficit. A marker
    with auto-production on is never on the buy list."""

    @extend_schema(parameters=DEFICIT_PARAMETERS, responses=DeficitOutput(many=True))
    def get(self, request):
        return self.paginate(selectors.stockpile_deficits(tenant=request.tenant, filters=request.query_params),
                             DeficitOutput)


class AutoProductionRunListApi(TenantApiView):
    """The auto-production run log: one row per tick of the runner for this tenant, newest first.
    POST runs a tick now (managers) — not de-duplicated against the beat window; send an
    ``Idempotency-Key`` to make a retried request safe. A tick that finds another tick of the
    tenant still running ends ``skipped``."""

    write_role = Role.MANAGER

    @extend_schema(parameters=RUN_LIST_PARAMETERS, responses=AutoProductionRunOutput(many=True))
    def get(self, request):
        return self.paginate(selectors.auto_production_run_list(tenant=request.tenant, filters=request.query_params),
                             AutoProductionRunOutput)

    @extend_schema(parameters=[IDEMPOTENCY_PARAMETER], request=None, responses={201: AutoProductionRunDetailOutput},
                   summary="Run an auto-production tick now")
    @idempotent
    def post(self, request):
        run = services.auto_production_run_now(tenant=request.tenant, by=request.user)
        return Response(AutoProductionRunDetailOutput(
            selectors.auto_production_run_get(tenant=request.tenant, pk=run.pk)).data, status=status.HTTP_201_CREATED)


class AutoProductionRunDetailApi(TenantApiView):
    """One tick: status, timing, error, per-step metrics and the decision for every group with a
    deficit (plan runs created, groups skipped with the reason, groups that failed)."""

    url_kwarg_models = {"pk": AutoProductionRun}

    @extend_schema(responses=AutoProductionRunDetailOutput)
    def get(self, request, pk):
        return Response(AutoProductionRunDetailOutput(
            selectors.auto_production_run_get(tenant=request.tenant, pk=pk)).data)
