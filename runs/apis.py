"""Production runs API (``/api/v1/``): runs, their items and materials, endings, analytics.

Thin views — parse, one service or selector, render. Operators write runs; every state change
and every rule lives in ``runs.services``.
"""
from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from inventory import gcode_match
from inventory.apis import GcodeUploadApi
from inventory.models import ItemType, Spool
from inventory.serializers import GcodeEstimateInput
from plans import selectors as plan_selectors
from plans.models import JobQueueEntry
from prodtrack.api import TenantApiView
from prodtrack.idempotency import HEADER as IDEMPOTENCY_HEADER
from prodtrack.idempotency import idempotent
from prodtrack.models import Role
from prodtrack.pagination import PageNumberPagination
from runs import selectors, services
from runs.models import ProductionRun, ProductionRunItem, ProductionRunMaterial
from runs.serializers.analytics import (
    ProductHistoryOutput,
    ProductHistoryRowOutput,
    ProductHistorySummaryOutput,
    SpoolUsageOutput,
    SpoolUsageRowOutput,
    SpoolUsageSummaryOutput,
    VarianceReportOutput,
    VarianceReportQuery,
)
from runs.serializers.gcode import GcodeEstimateResponse
from runs.serializers.inputs import (
    ProductionRunCancelInput,
    ProductionRunCompleteInput,
    ProductionRunCreateInput,
    ProductionRunFailInput,
    ProductionRunUpdateInput,
    RunItemInput,
    RunItemUpdateInput,
    RunMaterialInput,
    RunMaterialUpdateInput,
)
from runs.serializers.jobs import JobStartInput, JobStartOutput
from runs.serializers.outputs import ProductionRunListOutput, ProductionRunOutput, RunItemOutput, RunMaterialOutput

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER, str, OpenApiParameter.HEADER, required=False,
    description="Repeat the request with the same key and body to get the first response back, not a second run.")
PAGE_PARAMETERS = [
    OpenApiParameter("page", int),
    OpenApiParameter("page_size", int, description="Rows per page (default 20, at most 100)."),
]
RUN_LIST_PARAMETERS = [
    OpenApiParameter("q", str, description="Part of the run number."),
    OpenApiParameter("status", str, many=True, enum=ProductionRun.Status.values, description="Repeatable."),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Started on or after this day."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Started on or before this day."),
    OpenApiParameter("product", int, description="Runs that print this product."),
    OpenApiParameter("spool", int, description="Runs that use this spool."),
    OpenApiParameter("workstation", int),
    OpenApiParameter("ordering", str, enum=["started_at", "-started_at", "run_number", "-run_number", "variance",
                                            "-variance"], description="Default: newest first."),
    *PAGE_PARAMETERS,
]


def _page_with_summary(view: TenantApiView, queryset: QuerySet, row_serializer: type[serializers.Serializer],
                       summary: dict) -> Response:
    """``{"summary", "count", "next", "previous", "results"}``: a summary over one page of rows."""
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(queryset, view.request, view=view)
    response = paginator.get_paginated_response(row_serializer(page, many=True).data)
    response.data = {"summary": summary, **response.data}
    return response


class RunApi(TenantApiView):
    """Base of the views under ``/production-runs/{id}``."""

    url_kwarg_models = {"pk": ProductionRun}

    def get_run(self) -> ProductionRun:
        """The tenant's run named in the URL (not soft-deleted), or 404."""
        return self.get_object(queryset=ProductionRun.objects.live())

    def render_run(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return Response(ProductionRunOutput(selectors.production_run_get(tenant=self.request.tenant, pk=pk)).data,
                        status=code)


# --- runs ------------------------------------------------------------------------------------------

class ProductionRunListApi(TenantApiView):
    """Production runs, newest first; POST starts one (estimates from the products' recipes)."""

    @extend_schema(parameters=RUN_LIST_PARAMETERS, responses=ProductionRunListOutput(many=True))
    def get(self, request):
        return self.paginate(selectors.production_run_list(tenant=request.tenant, filters=request.query_params),
                             ProductionRunListOutput)

    @extend_schema(parameters=[IDEMPOTENCY_PARAMETER], request=ProductionRunCreateInput,
                   responses={201: ProductionRunOutput}, summary="Start a production run")
    @idempotent
    def post(self, request):
        run = services.production_run_create(tenant=request.tenant, by=request.user,
                                             **self.validate(ProductionRunCreateInput))
        return Response(ProductionRunOutput(selectors.production_run_get(tenant=request.tenant, pk=run.pk)).data,
                        status=status.HTTP_201_CREATED)


class ProductionRunDetailApi(RunApi):
    """One run. Only in-progress runs change (409 ``run_state`` otherwise); DELETE is a soft delete,
    refused for completed runs (cancel them first)."""

    @extend_schema(responses=ProductionRunOutput)
    def get(self, request, pk):
        return self.render_run(pk)

    @extend_schema(request=ProductionRunUpdateInput, responses=ProductionRunOutput)
    def put(self, request, pk):
        services.production_run_update(run=self.get_run(), data=self.validate(ProductionRunUpdateInput))
        return self.render_run(pk)

    @extend_schema(request=ProductionRunUpdateInput, responses=ProductionRunOutput)
    def patch(self, request, pk):
        return self.put(request, pk)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk):
        services.production_run_delete(run=self.get_run())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductionRunCompleteApi(RunApi):
    """Complete an in-progress run: usage and output go to the ledger, spools are deducted."""

    @extend_schema(parameters=[IDEMPOTENCY_PARAMETER], request=ProductionRunCompleteInput,
                   responses=ProductionRunOutput, summary="Complete a run")
    @idempotent
    def post(self, request, pk):
        services.production_run_complete(run=self.get_run(), by=request.user,
                                         **self.validate(ProductionRunCompleteInput))
        return self.render_run(pk)


class ProductionRunFailApi(RunApi):
    """Mark a run failed: in progress → records the usage given; completed → reverses its output."""

    @extend_schema(request=ProductionRunFailInput, responses=ProductionRunOutput, summary="Mark a run failed")
    def post(self, request, pk):
        services.production_run_fail(run=self.get_run(), by=request.user, **self.validate(ProductionRunFailInput))
        return self.render_run(pk)


class ProductionRunCancelApi(RunApi):
    """Cancel a run; a completed or failed run is voided (every ledger row it posted is reversed)."""

    @extend_schema(request=ProductionRunCancelInput, responses=ProductionRunOutput, summary="Cancel or void a run")
    def post(self, request, pk):
        services.production_run_cancel(run=self.get_run(), by=request.user, **self.validate(ProductionRunCancelInput))
        return self.render_run(pk)


class ProductionRunReprintApi(RunApi):
    """Start a new run for the failed pieces of this one (linked by ``original_run``)."""

    @extend_schema(parameters=[IDEMPOTENCY_PARAMETER], request=None, responses={201: ProductionRunOutput},
                   summary="Reprint the failed pieces")
    @idempotent
    def post(self, request, pk):
        reprint = services.production_run_reprint(run=self.get_run(), by=request.user)
        return self.render_run(reprint.pk, status.HTTP_201_CREATED)


# --- items and materials -----------------------------------------------------------------------------

class RunItemListApi(RunApi):
    """Add a product to an in-progress run."""

    @extend_schema(request=RunItemInput, responses={201: RunItemOutput})
    def post(self, request, pk):
        item = services.production_run_item_add(run=self.get_run(), item=self.validate(RunItemInput))
        return Response(RunItemOutput(item).data, status=status.HTTP_201_CREATED)


class RunItemDetailApi(RunApi):
    """Change or remove a product of an in-progress run."""

    url_kwarg_models = {"pk": ProductionRun, "item_id": ProductionRunItem}

    def get_item(self) -> ProductionRunItem:
        return selectors.run_item_get(run=self.get_run(), pk=self.kwargs["item_id"])

    @extend_schema(request=RunItemUpdateInput, responses=RunItemOutput)
    def put(self, request, pk, item_id):
        item = services.production_run_item_update(item=self.get_item(), data=self.validate(RunItemUpdateInput))
        return Response(RunItemOutput(item).data)

    @extend_schema(request=RunItemUpdateInput, responses=RunItemOutput)
    def patch(self, request, pk, item_id):
        return self.put(request, pk, item_id)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk, item_id):
        services.production_run_item_remove(item=self.get_item())
        return Response(status=status.HTTP_204_NO_CONTENT)


class RunMaterialListApi(RunApi):
    """Add a spool to an in-progress run."""

    @extend_schema(request=RunMaterialInput, responses={201: RunMaterialOutput})
    def post(self, request, pk):
        material = services.production_run_material_add(run=self.get_run(), material=self.validate(RunMaterialInput))
        return Response(RunMaterialOutput(material).data, status=status.HTTP_201_CREATED)


class RunMaterialDetailApi(RunApi):
    """Change a spool's estimates (or record its actuals early), or remove it from an in-progress run."""

    url_kwarg_models = {"pk": ProductionRun, "material_id": ProductionRunMaterial}

    def get_material(self) -> ProductionRunMaterial:
        return selectors.run_material_get(run=self.get_run(), pk=self.kwargs["material_id"])

    @extend_schema(request=RunMaterialUpdateInput, responses=RunMaterialOutput)
    def put(self, request, pk, material_id):
        material = services.production_run_material_update(material=self.get_material(),
                                                           data=self.validate(RunMaterialUpdateInput))
        return Response(RunMaterialOutput(material).data)

    @extend_schema(request=RunMaterialUpdateInput, responses=RunMaterialOutput)
    def patch(self, request, pk, material_id):
        return self.put(request, pk, material_id)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk, material_id):
        services.production_run_material_remove(material=self.get_material())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the job queue -----------------------------------------------------------------------------------

class JobStartApi(TenantApiView):
    """Start a planned job: its production run is created prefilled from the recipe (items, grams
    per material, suggested spools) and the job becomes active; 409 ``job_state`` unless planned.
    Completing the run completes the job; failing or cancelling it returns the job to planned."""

    url_kwarg_models = {"pk": JobQueueEntry}

    @extend_schema(parameters=[IDEMPOTENCY_PARAMETER], request=JobStartInput, responses={201: JobStartOutput},
                   summary="Start a job (creates its production run)")
    @idempotent
    def post(self, request, pk):
        job = self.get_object()
        run = services.job_start(job=job, by=request.user, **self.validate(JobStartInput))
        return Response(JobStartOutput({"job": plan_selectors.job_get(tenant=request.tenant, pk=pk),
                                        "production_run": run}).data, status=status.HTTP_201_CREATED)


# --- analytics ---------------------------------------------------------------------------------------

class VarianceReportApi(TenantApiView):
    """Filament variance over completed runs: summary, per product, per day, and recommendations."""

    @extend_schema(parameters=[VarianceReportQuery], responses=VarianceReportOutput)
    def get(self, request):
        return Response(VarianceReportOutput(
            selectors.variance_report(tenant=request.tenant, filters=request.query_params)).data)


class ProductProductionHistoryApi(TenantApiView):
    """A product's runs (newest first) with planned, good and failed pieces and their costs."""

    url_kwarg_models = {"pk": ItemType}

    @extend_schema(parameters=PAGE_PARAMETERS, responses=ProductHistoryOutput)
    def get(self, request, pk):
        product = self.get_object(queryset=ItemType.objects.filter(kind=ItemType.Kind.PRODUCT))
        summary, items = selectors.product_production_history(tenant=request.tenant, product=product)
        return _page_with_summary(self, items, ProductHistoryRowOutput, ProductHistorySummaryOutput(summary).data)


class SpoolProductionUsageApi(TenantApiView):
    """The runs that used a spool (newest first) and the grams the ledger says production took."""

    url_kwarg_models = {"pk": Spool}

    @extend_schema(parameters=PAGE_PARAMETERS, responses=SpoolUsageOutput)
    def get(self, request, pk):
        summary, materials = selectors.spool_production_usage(tenant=request.tenant, spool=self.get_object())
        return _page_with_summary(self, materials, SpoolUsageRowOutput, SpoolUsageSummaryOutput(summary).data)


class GcodeEstimateApi(GcodeUploadApi):
    """Read a slicer file: ``multipart/form-data`` with ``file`` (a .gcode, .gcode.3mf or .3mf, up to
    512 MB; only its head and tail are read) and optional ``plate``. Answers the parsed estimate
    (``dataclasses.asdict`` of ``slicing.GcodeEstimate``) and, per filament, the tenant's matching
    material item types (same material type; the file's colour first) and active spools, best first.
    Nothing is stored. A file the parser refuses is 400 naming ``file``, with the rule in
    ``extra.rule`` (``empty``, ``too_large``, ``not_gcode``, ``binary_gcode``, ``corrupt_zip``,
    ``no_plate``, ``plate_not_found``). Operators (it prepares a run)."""

    read_role = write_role = Role.OPERATOR

    @extend_schema(request={"multipart/form-data": GcodeEstimateInput}, responses=GcodeEstimateResponse,
                   summary="Parse a G-code file and match its filaments")
    def post(self, request):
        data = self.validate(GcodeEstimateInput)
        upload = data["file"]
        estimate = gcode_match.gcode_upload_parse(upload=upload, plate=data.get("plate"))
        matches = gcode_match.gcode_filament_matches(tenant=request.tenant, estimate=estimate)
        return Response(GcodeEstimateResponse({
            "file_name": upload.name, "estimate": estimate,
            "filaments": [{"index": match.index, "spools": match.spools,
                           "materials": match.material_matches} for match in matches],
        }).data)
