"""Plans API (``/api/v1/``): recipes, production plans and their steps, generation, plan runs,
the job queue and transport jobs. Thin views — parse, one service or selector, render.

Roles: managers write recipes, plans and steps, generate and delete plan runs; operators cancel
plan runs and jobs and move transport jobs (starting a job lives in ``runs.apis``: plans never
imports runs). A URL id of another tenant, or a step or run of another plan, is a 404.
"""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from inventory import gcode_match
from inventory.apis import GcodeUploadApi
from inventory.models import ItemType
from plans import selectors, services
from plans.models import JobQueueEntry, ProductionPlan, ProductionPlanRun, ProductionPlanStep, Recipe, TransportJob
from plans.serializers import (
    GenerateInput,
    GenerationOutput,
    JobOutput,
    PlanOutput,
    PlanRunDetailOutput,
    PlanRunOutput,
    PlanUpdateInput,
    PlanWriteInput,
    RecipeFromGcodeInput,
    RecipeOutput,
    RecipeWriteInput,
    StepAddInput,
    StepOutput,
    StepSettingsInput,
    TransportJobOutput,
    TransportStatusInput,
    preview_rows,
)
from prodtrack.api import TenantApiView
from prodtrack.exceptions import NotFoundError
from prodtrack.idempotency import HEADER as IDEMPOTENCY_HEADER
from prodtrack.idempotency import idempotent
from prodtrack.models import Role
from prodtrack.pagination import PageNumberPagination
from prodtrack.tenancy import get_for_tenant

RECIPE_LIST_PARAMETERS = [
    OpenApiParameter("q", str, description="Part of the recipe name."),
    OpenApiParameter("product", int, description="Recipes of this product."),
    OpenApiParameter("is_active", bool),
    OpenApiParameter("page", int),
    OpenApiParameter("page_size", int, description="Rows per page (default 20, at most 100)."),
]


class RecipeListApi(TenantApiView):
    """Recipes: a product's bill of materials and time per run. Managers create them."""

    write_role = Role.MANAGER

    @extend_schema(parameters=RECIPE_LIST_PARAMETERS, responses=RecipeOutput(many=True))
    def get(self, request):
        return self.paginate(selectors.recipe_list(tenant=request.tenant, filters=request.query_params), RecipeOutput)

    @extend_schema(request=RecipeWriteInput, responses={201: RecipeOutput})
    def post(self, request):
        data = self.validate(RecipeWriteInput)
        recipe = services.recipe_create(tenant=request.tenant, **data)
        return Response(RecipeOutput(selectors.recipe_get(tenant=request.tenant, pk=recipe.pk)).data,
                        status=status.HTTP_201_CREATED)


class RecipeDetailApi(TenantApiView):
    """One recipe. PUT and PATCH change the given fields; ``inputs``, when given, replaces the list."""

    write_role = Role.MANAGER
    url_kwarg_models = {"pk": Recipe}

    @extend_schema(responses=RecipeOutput)
    def get(self, request, pk):
        return Response(RecipeOutput(selectors.recipe_get(tenant=request.tenant, pk=pk)).data)

    @extend_schema(request=RecipeWriteInput, responses=RecipeOutput)
    def put(self, request, pk):
        recipe = self.get_object()
        data = self.validate(RecipeWriteInput)
        inputs = data.pop("inputs", None)
        services.recipe_update(recipe=recipe, data=data, inputs=inputs)
        return Response(RecipeOutput(selectors.recipe_get(tenant=request.tenant, pk=pk)).data)

    @extend_schema(request=RecipeWriteInput, responses=RecipeOutput)
    def patch(self, request, pk):
        return self.put(request, pk)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk):
        services.recipe_delete(recipe=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class RecipeFromGcodeApi(GcodeUploadApi):
    """Create or update a product's recipe from a slicer file (multipart: ``file``, optional
    ``plate``, ``product_id``, optional ``recipe_id`` and ``name``, optional ``materials`` as JSON
    ``{"<filament index>": <material item type id>}``): output quantity = objects × copies (1 when
    unknown), duration = print time, one input per filament in grams. A filament not in
    ``materials`` takes its best matching material (as ``gcode/estimates`` ranks them); 400 naming
    ``materials.<index>`` when it has none. Another tenant's product or recipe is 404. Managers
    (they write recipes)."""

    read_role = write_role = Role.MANAGER
    url_kwarg_models = {}

    @extend_schema(request={"multipart/form-data": RecipeFromGcodeInput}, responses={200: RecipeOutput, 201: RecipeOutput},
                   summary="Create or update a recipe from G-code")
    def post(self, request):
        data = self.validate(RecipeFromGcodeInput)
        tenant = request.tenant
        product = get_for_tenant(ItemType.objects.filter(kind=ItemType.Kind.PRODUCT), tenant, data["product_id"],
                                 label="product")
        recipe = get_for_tenant(Recipe, tenant, data["recipe_id"]) if data.get("recipe_id") else None
        estimate = gcode_match.gcode_upload_parse(upload=data["file"], plate=data.get("plate"))
        materials = gcode_match.gcode_filament_materials(tenant=tenant, estimate=estimate,
                                                         chosen=data.get("materials") or {})
        saved = services.recipe_from_gcode(tenant=tenant, product=product, estimate=estimate,
                                           materials=materials, recipe=recipe, name=data.get("name") or "")
        return Response(RecipeOutput(selectors.recipe_get(tenant=tenant, pk=saved.pk)).data,
                        status=status.HTTP_200_OK if recipe else status.HTTP_201_CREATED)


# --- production plans ----------------------------------------------------------------------------

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER, str, OpenApiParameter.HEADER, required=False,
    description="Repeat the request with the same key and body to get the first response back, not a second run.")
PLAN_LIST_PARAMETERS = [
    OpenApiParameter("q", str, description="Part of the plan name."),
    OpenApiParameter("product", int, description="Plans of this product."),
]
PLAN_RUN_LIST_PARAMETERS = [
    OpenApiParameter("source", str, enum=ProductionPlanRun.Source.values),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Created on or after this day (tenant time)."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Created on or before this day (tenant time)."),
]
JOB_LIST_PARAMETERS = [
    OpenApiParameter("status", str, many=True, enum=JobQueueEntry.Status.values, description="Repeatable."),
    OpenApiParameter("plan_run", int),
    OpenApiParameter("workstation", int),
    OpenApiParameter("location", int),
]
TRANSPORT_LIST_PARAMETERS = [
    OpenApiParameter("status", str, many=True, enum=TransportJob.Status.values, description="Repeatable."),
    OpenApiParameter("plan_run", int),
]
StatusOutput = inline_serializer("PlanRunDeleteOutput", {"status": serializers.ChoiceField(choices=["deleted"])})
CancelOutput = inline_serializer("PlanRunCancelOutput", {
    "status": serializers.ChoiceField(choices=["cancelled"]),
    "jobs_cancelled": serializers.IntegerField(help_text="Planned jobs cancelled (active and completed stay)."),
})


class PlanApi(TenantApiView):
    """Base of the views under ``/plans/{id}``: managers write."""

    write_role = Role.MANAGER
    url_kwarg_models = {"pk": ProductionPlan}

    def get_plan(self) -> ProductionPlan:
        return selectors.plan_get(tenant=self.request.tenant, pk=self.kwargs["pk"])


def _render_plan(request, pk: int, code: int = status.HTTP_200_OK) -> Response:
    """The plan with its last run, as the list shows it."""
    return Response(PlanOutput(selectors.plan_list(tenant=request.tenant).get(pk=pk)).data, status=code)


class PlanListApi(TenantApiView):
    """Production plans by name, each with its product and last run (null: never run)."""

    write_role = Role.MANAGER
    pagination_class = PageNumberPagination   # for the schema; ``paginate`` does the work

    @extend_schema(parameters=PLAN_LIST_PARAMETERS, responses=PlanOutput(many=True))
    def get(self, request):
        return self.paginate(selectors.plan_list(tenant=request.tenant, filters=request.query_params), PlanOutput)

    @extend_schema(request=PlanWriteInput, responses={201: PlanOutput}, summary="Create a plan and its root step")
    def post(self, request):
        plan = services.production_plan_create(tenant=request.tenant, **self.validate(PlanWriteInput))
        return _render_plan(request, plan.pk, status.HTTP_201_CREATED)


class PlanDetailApi(PlanApi):
    """One plan. PUT and PATCH change its name, notes and transport settings (not its product);
    DELETE removes it with its steps and plan runs (their jobs stay in the queue, unlinked)."""

    @extend_schema(responses=PlanOutput)
    def get(self, request, pk):
        return Response(PlanOutput(self.get_object(queryset=selectors.plan_list(tenant=request.tenant))).data)

    @extend_schema(request=PlanUpdateInput, responses=PlanOutput)
    def put(self, request, pk):
        plan = self.get_plan()
        services.production_plan_update(plan=plan, data=self.validate(PlanUpdateInput, plan=plan))
        return _render_plan(request, plan.pk)

    @extend_schema(request=PlanUpdateInput, responses=PlanOutput)
    def patch(self, request, pk):
        return self.put(request, pk)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk):
        services.production_plan_delete(plan=self.get_plan())
        return Response(status=status.HTTP_204_NO_CONTENT)


class PlanByProductApi(TenantApiView):
    """The plans that make a product."""

    url_kwarg_models = {"item_type_id": ItemType}
    pagination_class = PageNumberPagination

    @extend_schema(responses=PlanOutput(many=True))
    def get(self, request, item_type_id):
        product = self.get_object("item_type_id", queryset=ItemType.objects.filter(kind=ItemType.Kind.PRODUCT))
        return self.paginate(selectors.plan_by_product(tenant=request.tenant, product=product), PlanOutput)


# --- steps -----------------------------------------------------------------------------------------

def _step_tree(plan: ProductionPlan, step_id: int | None = None) -> dict:
    """The plan's step tree (root) or the subtree of ``step_id``, rendered."""
    root, index = selectors.plan_step_tree(plan=plan)
    node = root if step_id is None else index[step_id]
    return StepOutput(node).data


class PlanStepListApi(PlanApi):
    """The plan's step tree; POST makes an input of a step's recipe in the plan ("make", not "buy")."""

    @extend_schema(responses=StepOutput, summary="The step tree (the root step, children nested)")
    def get(self, request, pk):
        plan = self.get_plan()
        root, _ = selectors.plan_step_tree(plan=plan)
        if root is None:
            raise NotFoundError(f"Plan {plan.pk} has no root step.", model="productionplanstep")
        return Response(StepOutput(root).data)

    @extend_schema(request=StepAddInput, responses={201: StepOutput}, summary="Add a step (make an input)")
    def post(self, request, pk):
        plan = self.get_plan()
        data = self.validate(StepAddInput, plan=plan)
        step = services.production_plan_step_add(parent=data.pop("parent"), product=data.pop("product"), data=data)
        return Response(_step_tree(plan, step.pk), status=status.HTTP_201_CREATED)


class PlanStepDetailApi(PlanApi):
    """One step of the plan: PUT and PATCH change its settings; DELETE removes it and its subtree
    (the input becomes "buy"; the root step stays)."""

    url_kwarg_models = {"pk": ProductionPlan, "step_id": ProductionPlanStep}

    def get_step(self) -> ProductionPlanStep:
        return selectors.plan_step_get(plan=self.get_plan(), pk=self.kwargs["step_id"])

    @extend_schema(request=StepSettingsInput, responses=StepOutput)
    def put(self, request, pk, step_id):
        step = self.get_step()
        services.production_plan_step_update(step=step, data=self.validate(StepSettingsInput))
        return Response(_step_tree(step.plan, step.pk))

    @extend_schema(request=StepSettingsInput, responses=StepOutput)
    def patch(self, request, pk, step_id):
        return self.put(request, pk, step_id)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk, step_id):
        services.production_plan_step_remove(step=self.get_step())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- generation ------------------------------------------------------------------------------------

class PlanGenerateApi(PlanApi):
    """Generate a plan run: merged, depth-ordered jobs and transport jobs for ``quantity`` pieces."""

    @extend_schema(parameters=[IDEMPOTENCY_PARAMETER], request=GenerateInput, responses={201: GenerationOutput},
                   summary="Generate jobs (a plan run)")
    @idempotent
    def post(self, request, pk):
        plan = self.get_plan()
        result = services.plan_generate(plan=plan, by=request.user, **self.validate(GenerateInput))
        return Response(GenerationOutput({
            "run": selectors.plan_run_get(tenant=request.tenant, pk=result.run.pk),
            "created": selectors.plan_run_jobs(plan_run=result.run),
            "skipped": result.generation.skipped, "materials": result.generation.materials,
            "transport_jobs": result.transport_jobs}).data, status=status.HTTP_201_CREATED)


class PlanPreviewApi(PlanApi):
    """What generating would make, without writing anything (``run`` is null, jobs have no ids).
    Any member may preview."""

    write_role = Role.VIEWER

    @extend_schema(request=GenerateInput, responses=GenerationOutput, summary="Preview a generation")
    def post(self, request, pk):
        plan = self.get_plan()
        generation = services.plan_preview(plan=plan, **self.validate(GenerateInput))
        return Response(GenerationOutput(preview_rows(generation)).data)


# --- plan runs -------------------------------------------------------------------------------------

class PlanRunListApi(PlanApi):
    """The plan's runs, newest first, each with its derived status and job summary."""

    pagination_class = PageNumberPagination

    @extend_schema(parameters=PLAN_RUN_LIST_PARAMETERS, responses=PlanRunOutput(many=True))
    def get(self, request, pk):
        return self.paginate(selectors.plan_run_list(tenant=request.tenant, plan=self.get_plan(),
                                                     filters=request.query_params), PlanRunOutput)


class PlanRunDetailApi(PlanApi):
    """One run of the plan with its jobs (queue order). DELETE removes the run; its jobs stay in
    the queue, unlinked."""

    url_kwarg_models = {"pk": ProductionPlan, "run_id": ProductionPlanRun}

    def get_run(self) -> ProductionPlanRun:
        return selectors.plan_run_get(tenant=self.request.tenant, pk=self.kwargs["run_id"], plan=self.get_plan())

    @extend_schema(responses=PlanRunDetailOutput)
    def get(self, request, pk, run_id):
        run = self.get_run()
        return Response(PlanRunDetailOutput(run, context={"jobs": selectors.plan_run_jobs(plan_run=run)}).data)

    @extend_schema(request=None, responses=StatusOutput)
    def delete(self, request, pk, run_id):
        services.plan_run_delete(plan_run=self.get_run())
        return Response({"status": "deleted"})


class AllPlanRunListApi(TenantApiView):
    """Every plan's runs, newest first, each with its derived status and job summary."""

    pagination_class = PageNumberPagination

    @extend_schema(parameters=[OpenApiParameter("plan", int), *PLAN_RUN_LIST_PARAMETERS],
                   responses=PlanRunOutput(many=True), operation_id="v1_plans_runs_all_list")
    def get(self, request):
        return self.paginate(selectors.plan_run_list(tenant=request.tenant, filters=request.query_params),
                             PlanRunOutput)


class PlanRunCancelApi(TenantApiView):
    """Cancel the run's planned jobs (one UPDATE); active and completed jobs are not touched."""

    url_kwarg_models = {"run_id": ProductionPlanRun}

    @extend_schema(request=None, responses=CancelOutput, summary="Cancel a plan run's planned jobs")
    def post(self, request, run_id):
        cancelled = services.plan_run_cancel(plan_run=self.get_object("run_id"))
        return Response({"status": "cancelled", "jobs_cancelled": cancelled})


# --- the job queue ---------------------------------------------------------------------------------

class JobListApi(TenantApiView):
    """The job queue, deepest first (a child's output before its parent)."""

    pagination_class = PageNumberPagination

    @extend_schema(parameters=JOB_LIST_PARAMETERS, responses=JobOutput(many=True))
    def get(self, request):
        return self.paginate(selectors.job_list(tenant=request.tenant, filters=request.query_params), JobOutput,
                             page_context=lambda jobs: {"readiness": selectors.job_readiness(jobs=jobs)})


class JobDetailApi(TenantApiView):
    url_kwarg_models = {"pk": JobQueueEntry}

    @extend_schema(responses=JobOutput)
    def get(self, request, pk):
        job = selectors.job_get(tenant=request.tenant, pk=pk)
        return Response(JobOutput(job, context={"readiness": selectors.job_readiness(jobs=[job])}).data)


class JobCancelApi(TenantApiView):
    """Cancel a planned job (409 ``job_state`` otherwise)."""

    url_kwarg_models = {"pk": JobQueueEntry}

    @extend_schema(request=None, responses=JobOutput, summary="Cancel a planned job")
    def post(self, request, pk):
        services.job_cancel(job=self.get_object())
        return Response(JobOutput(selectors.job_get(tenant=request.tenant, pk=pk)).data)


# --- transport jobs --------------------------------------------------------------------------------

class TransportJobListApi(TenantApiView):
    """Transport jobs: a child step's output moving to its parent's location."""

    pagination_class = PageNumberPagination

    @extend_schema(parameters=TRANSPORT_LIST_PARAMETERS, responses=TransportJobOutput(many=True))
    def get(self, request):
        return self.paginate(selectors.transport_job_list(tenant=request.tenant, filters=request.query_params),
                             TransportJobOutput)


class TransportJobDetailApi(TenantApiView):
    url_kwarg_models = {"pk": TransportJob}

    @extend_schema(responses=TransportJobOutput)
    def get(self, request, pk):
        return Response(TransportJobOutput(selectors.transport_job_get(tenant=request.tenant, pk=pk)).data)


class TransportJobStatusApi(TenantApiView):
    """Move a transport job: planned → in_transit → delivered, or cancelled before delivery (409
    for another move)."""

    url_kwarg_models = {"pk": TransportJob}

    @extend_schema(request=TransportStatusInput, responses=TransportJobOutput, summary="Move a transport job")
    def post(self, request, pk):
        transport_job = self.get_object()
        services.transport_job_set_status(transport_job=transport_job, by=request.user,
                                          **self.validate(TransportStatusInput))
        return Response(TransportJobOutput(selectors.transport_job_get(tenant=request.tenant, pk=pk)).data)
