"""API shapes of the plans app: ``*Input`` validate requests, ``*Output`` render responses."""
from __future__ import annotations

from decimal import ROUND_UP, Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.models import ItemType, Location, Workstation
from inventory.serializers import GcodeEstimateInput, MaterialBrief
from plans.generation import Generation
from plans.models import (
    JobQueueEntry,
    ProductionPlan,
    ProductionPlanRun,
    ProductionPlanStep,
    Recipe,
    RecipeInput,
    TransportJob,
)
from plans.selectors import StepInput
from plans.services import InputSpec
from prodtrack.serializers import (
    FlatErrorsSerializer,
    IdName,
    SpecInput,
    StrictIntegerField,
    TenantPrimaryKeyRelatedField,
    enum_field,
)

PERCENT = {"max_digits": 5, "decimal_places": 2, "min_value": Decimal("0"), "max_value": Decimal("100")}

# --- recipes -----------------------------------------------------------------------------------

class ProductBrief(serializers.ModelSerializer):
    class Meta:
        model = ItemType
        fields = ["id", "name", "sku"]


class RecipeLineOutput(serializers.ModelSerializer):
    item_type = MaterialBrief()
    unit = serializers.CharField(source="item_type.unit")

    class Meta:
        model = RecipeInput
        fields = ["id", "item_type", "quantity", "unit"]


class RecipeOutput(serializers.ModelSerializer):
    product = ProductBrief()
    inputs = RecipeLineOutput(many=True)

    class Meta:
        model = Recipe
        fields = ["id", "name", "product", "output_quantity", "duration_s", "activity", "is_active", "notes",
                  "inputs", "created_at"]


class RecipeLineInput(SpecInput):
    spec_class = InputSpec

    item_type = TenantPrimaryKeyRelatedField(queryset=ItemType.objects.all())
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=Decimal("0.001"),
                                        help_text="Per run, in the item's unit (grams of filament, pieces).")


class RecipeWriteInput(FlatErrorsSerializer):
    """Create (POST), replace (PUT) or change (PATCH) a recipe; ``inputs`` replaces the whole list."""

    name = serializers.CharField(max_length=200)
    product = TenantPrimaryKeyRelatedField(queryset=ItemType.objects.all())
    output_quantity = serializers.IntegerField(min_value=1, max_value=2_147_483_647, required=False,
                                               help_text="Pieces made per run.")
    duration_s = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False,
                                          help_text="Seconds per run.")
    activity = serializers.CharField(max_length=40, required=False)
    is_active = serializers.BooleanField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    inputs = RecipeLineInput(many=True, required=False)


class RecipeFromGcodeInput(GcodeEstimateInput):
    product_id = serializers.IntegerField(help_text="The product the recipe makes.")
    recipe_id = serializers.IntegerField(required=False, allow_null=True,
                                         help_text="Update this recipe of the product (its id and name stay).")
    name = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                 help_text='A new recipe\'s name; default "<product> (G-code)".')
    materials = serializers.JSONField(
        binary=True, required=False,
        help_text='Material item type per filament index, as JSON: {"0": 12, "1": 15}. A filament left out '
                  'takes its best match (same material type, same colour first).')

    def validate_materials(self, value: Any) -> dict[int, int]:
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise serializers.ValidationError('Give a JSON object: {"<filament index>": <item type id>}.')
        try:
            return {int(index): int(pk) for index, pk in value.items()}
        except (TypeError, ValueError):
            raise serializers.ValidationError("Indexes and item type ids are whole numbers.") from None


# --- shared pieces -----------------------------------------------------------------------------

PLAN_RUN_STATUSES = [("pending", "Pending"), ("in_progress", "In progress"), ("completed", "Completed")]
SUPPLY = [("make", "Made by a child step"), ("buy", "Bought or taken from stock")]
PlanRunStatusField = enum_field("PlanRunStatusEnum", PLAN_RUN_STATUSES)
PlanRunSourceField = enum_field("PlanRunSourceEnum", ProductionPlanRun.Source.choices)
JobStatusField = enum_field("JobStatusEnum", JobQueueEntry.Status.choices)
TransportStatusField = enum_field("TransportJobStatusEnum", TransportJob.Status.choices)
SupplyField = enum_field("SupplyEnum", SUPPLY)


# --- plans -------------------------------------------------------------------------------------

class LastRunOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = PlanRunStatusField()
    created_at = serializers.DateTimeField()


class PlanOutput(serializers.ModelSerializer):
    """A plan with its product and last run (null: never run). Rendered from ``selectors.plan_list``."""

    product = ProductBrief()
    last_run = serializers.SerializerMethodField()

    class Meta:
        model = ProductionPlan
        fields = ["id", "name", "product", "notes", "transport_enabled", "transport_cost_per_item", "created_at",
                  "last_run"]

    @extend_schema_field(LastRunOutput(allow_null=True))
    def get_last_run(self, plan: ProductionPlan) -> dict | None:
        if getattr(plan, "last_run_id", None) is None:
            return None
        return {"id": plan.last_run_id, "status": plan.last_run_status,
                "created_at": serializers.DateTimeField().to_representation(plan.last_run_at)}


class StepSettingsInput(FlatErrorsSerializer):
    """How a step makes its product; every field optional (omitted: the default or unchanged)."""

    recipe = TenantPrimaryKeyRelatedField(queryset=Recipe.objects.all(), required=False, allow_null=True,
                                          help_text="Default: the product's first active recipe.")
    material_efficiency = serializers.DecimalField(**PERCENT, required=False,
                                                   help_text="Percent (0–100) fewer inputs needed.")
    time_efficiency = serializers.DecimalField(**PERCENT, required=False, help_text="Percent (0–100) less time.")
    tax_per_run = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False)
    location = TenantPrimaryKeyRelatedField(queryset=Location.objects.all(), required=False, allow_null=True,
                                            help_text="Default for a child step: its parent's location.")
    workstation_kind = serializers.ChoiceField(choices=Workstation.Kind.choices, required=False, allow_blank=True,
                                               help_text="Kind of workstation that runs it; blank: any.")


class PlanWriteInput(FlatErrorsSerializer):
    """Create a plan (POST): its root step makes ``product`` with the settings in ``root``."""

    name = serializers.CharField(max_length=200)
    product = TenantPrimaryKeyRelatedField(queryset=ItemType.objects.all())
    notes = serializers.CharField(required=False, allow_blank=True)
    transport_enabled = serializers.BooleanField(required=False)
    transport_cost_per_item = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"),
                                                       required=False)
    root = StepSettingsInput(required=False)


class PlanUpdateInput(FlatErrorsSerializer):
    """Change a plan (PUT: ``name`` required; PATCH: any subset). The product is fixed: sending
    another one is refused."""

    name = serializers.CharField(max_length=200)
    product = TenantPrimaryKeyRelatedField(queryset=ItemType.objects.all(), required=False,
                                           help_text="May be sent (PUT of a fetched plan) but not changed.")
    notes = serializers.CharField(required=False, allow_blank=True)
    transport_enabled = serializers.BooleanField(required=False)
    transport_cost_per_item = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"),
                                                       required=False)

    def validate_product(self, product: ItemType) -> ItemType:
        if product.pk != self.context["plan"].product_id:
            raise serializers.ValidationError("cannot be changed; create another plan for another product.")
        return product

    def validate(self, attrs: dict) -> dict:
        attrs.pop("product", None)
        return attrs


# --- steps -------------------------------------------------------------------------------------

@extend_schema_field(OpenApiTypes.INT)
class PlanStepField(serializers.PrimaryKeyRelatedField):
    """A step of the plan in ``context["plan"]``; another plan's step is "does not exist"."""

    def get_queryset(self):
        return ProductionPlanStep.objects.filter(plan=self.context["plan"])


class StepAddInput(StepSettingsInput):
    """Make ``product`` (an input of ``parent``'s recipe) in the plan instead of buying it."""

    parent = PlanStepField(help_text="The step whose recipe takes ``product`` as an input.")
    product = TenantPrimaryKeyRelatedField(queryset=ItemType.objects.all())


class StepInputOutput(serializers.Serializer):
    """One input of the step's recipe: ``make`` (a child step makes it: ``step_id``) or ``buy``."""

    item_type = IdName(source="line.item_type")
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, source="line.quantity",
                                        help_text="Per run, in ``unit``.")
    unit = serializers.CharField(source="line.item_type.unit")
    supply = serializers.SerializerMethodField()
    step_id = serializers.SerializerMethodField()

    @extend_schema_field(SupplyField())
    def get_supply(self, line: StepInput) -> str:
        return "make" if line.child is not None else "buy"

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_step_id(self, line: StepInput) -> int | None:
        return line.child.step.pk if line.child is not None else None


class StepOutput(serializers.Serializer):
    """A step with its recipe's inputs (make or buy) and its child steps, nested (the whole subtree).

    Rendered from ``selectors.plan_step_tree`` nodes. ``children`` also holds steps whose product
    is no longer an input of the recipe (generation refuses them until they are removed).
    """

    id = serializers.IntegerField(source="step.pk")
    parent_id = serializers.IntegerField(source="step.parent_id", allow_null=True)
    depth = serializers.IntegerField(help_text="0 for the root step.")
    product = IdName(source="step.product")
    recipe = IdName(source="step.recipe", allow_null=True)
    material_efficiency = serializers.DecimalField(max_digits=5, decimal_places=2, source="step.material_efficiency")
    time_efficiency = serializers.DecimalField(max_digits=5, decimal_places=2, source="step.time_efficiency")
    tax_per_run = serializers.DecimalField(max_digits=12, decimal_places=2, source="step.tax_per_run")
    location = IdName(source="step.location", allow_null=True)
    workstation_kind = serializers.CharField(source="step.workstation_kind")
    inputs = StepInputOutput(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["children"] = StepOutput(many=True)   # recursive: the whole subtree
        return fields


# --- plan runs ----------------------------------------------------------------------------------

class JobSummaryOutput(serializers.Serializer):
    total = serializers.IntegerField(source="job_total")
    planned = serializers.IntegerField(source="job_planned")
    active = serializers.IntegerField(source="job_active")
    completed = serializers.IntegerField(source="job_completed")
    cancelled = serializers.IntegerField(source="job_cancelled")


class PlanRunOutput(serializers.ModelSerializer):
    """A plan run with its derived ``status`` and ``job_summary`` (from ``selectors.with_job_summary``)."""

    plan_id = serializers.IntegerField()
    user_id = serializers.IntegerField(source="created_by_id", allow_null=True)
    source = PlanRunSourceField()
    plan_name = serializers.CharField(source="plan.name")
    product_name = serializers.CharField(source="plan.product.name")
    status = PlanRunStatusField(help_text="Derived from the jobs: no jobs or all planned → pending; all "
                                          "completed or cancelled → completed; else in_progress.")
    job_summary = JobSummaryOutput(source="*")

    class Meta:
        model = ProductionPlanRun
        fields = ["id", "plan_id", "user_id", "quantity", "parallelism", "source", "created_at", "plan_name",
                  "product_name", "status", "job_summary"]


# --- jobs and transport jobs --------------------------------------------------------------------

class MissingInputOutput(serializers.Serializer):
    item_type_id = serializers.IntegerField()
    name = serializers.CharField()
    unit = serializers.CharField()
    needed = serializers.DecimalField(max_digits=14, decimal_places=3)
    on_hand = serializers.DecimalField(max_digits=14, decimal_places=3)


class JobReadinessOutput(serializers.Serializer):
    """``ready`` when every non-filament input the job needs is on hand at its location, else
    ``waiting`` with what is ``missing``."""

    state = enum_field("JobReadinessEnum", [("ready", "Ready"), ("waiting", "Waiting")])()
    missing = MissingInputOutput(many=True)


class JobOutput(serializers.ModelSerializer):
    """A job of the queue. In a preview nothing is written: ``id``, ``plan_run_id`` and
    ``transport_job_id`` are null. ``readiness`` is given for planned jobs of the job queue
    (list and detail), null elsewhere."""

    id = serializers.IntegerField(read_only=True, allow_null=True)
    plan_run_id = serializers.IntegerField(allow_null=True)
    plan_step_id = serializers.IntegerField(allow_null=True)
    recipe = IdName()
    product = IdName()
    location = IdName(allow_null=True)
    workstation = IdName(allow_null=True)
    status = JobStatusField()
    transport_job_id = serializers.IntegerField(allow_null=True)
    readiness = serializers.SerializerMethodField()

    class Meta:
        model = JobQueueEntry
        fields = ["id", "plan_run_id", "plan_step_id", "recipe", "product", "activity", "runs", "quantity",
                  "material_efficiency", "time_efficiency", "tax_per_run", "estimated_cost", "estimated_duration_s",
                  "location", "workstation", "status", "depth", "sort_order", "transport_job_id", "readiness"]

    @extend_schema_field(JobReadinessOutput(allow_null=True))
    def get_readiness(self, job: JobQueueEntry) -> dict | None:
        readiness = self.context.get("readiness", {}).get(job.pk) if job.pk else None
        return JobReadinessOutput(readiness).data if readiness is not None else None


class PlanRunDetailOutput(PlanRunOutput):
    """A plan run with its jobs in queue order (deepest first)."""

    jobs = serializers.SerializerMethodField()

    class Meta(PlanRunOutput.Meta):
        fields = [*PlanRunOutput.Meta.fields, "jobs"]

    @extend_schema_field(JobOutput(many=True))
    def get_jobs(self, run: ProductionPlanRun) -> list[dict]:
        return JobOutput(self.context["jobs"], many=True).data


class TransportItemOutput(serializers.Serializer):
    item_type_id = serializers.IntegerField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()


class TransportJobOutput(serializers.ModelSerializer):
    """Moving a child step's output to its parent's location (``id`` null in a preview)."""

    id = serializers.IntegerField(read_only=True, allow_null=True)
    plan_run_id = serializers.IntegerField(allow_null=True)
    origin = IdName()
    destination = IdName()
    items = TransportItemOutput(many=True)
    status = TransportStatusField()
    created_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = TransportJob
        fields = ["id", "plan_run_id", "origin", "destination", "items", "estimated_cost", "status", "sort_order",
                  "created_at"]


class TransportStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=TransportJob.Status.choices,
                                     help_text="planned → in_transit → delivered; cancelled before delivery.")


# --- generation ---------------------------------------------------------------------------------

class GenerateInput(FlatErrorsSerializer):
    quantity = StrictIntegerField(min_value=1, max_value=1_000_000, help_text="Pieces of the plan's product.")
    parallelism = StrictIntegerField(min_value=0, max_value=1000, required=False, default=0,
                                     help_text="Workstations to split each job over; 0 = every able one.")


class SkippedOutput(serializers.Serializer):
    step_id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    product_name = serializers.CharField()
    reason = serializers.CharField()


class MaterialNeedOutput(serializers.Serializer):
    """A bought input: grams exact (shown to the milligram, rounded up), pieces whole."""

    item_type = IdName()
    unit = serializers.CharField(source="item_type.unit")
    quantity = serializers.DecimalField(max_digits=20, decimal_places=3, rounding=ROUND_UP)


class GenerationOutput(serializers.Serializer):
    """What a generation made (``run`` and ids set) or would make (a preview: ``run`` null)."""

    run = PlanRunOutput(allow_null=True)
    created = JobOutput(many=True)
    skipped = SkippedOutput(many=True)
    materials = MaterialNeedOutput(many=True)
    transport_jobs = TransportJobOutput(many=True)


def preview_rows(generation: Generation) -> dict[str, Any]:
    """A preview in the shape of a written generation: the jobs and transport jobs as
    ``plans.services.plan_generate`` would write them, unsaved (no ids, no plan run); no queries."""
    plan = generation.plan
    jobs = [JobQueueEntry(
        tenant_id=plan.tenant_id, plan_step_id=job.step.pk, recipe=job.recipe, product=job.step.product,
        activity=job.recipe.activity, runs=job.runs, quantity=job.quantity,
        material_efficiency=job.step.material_efficiency, time_efficiency=job.step.time_efficiency,
        tax_per_run=job.step.tax_per_run, estimated_cost=job.estimated_cost,
        estimated_duration_s=job.estimated_duration_s, location=job.step.location, workstation=job.workstation,
        depth=job.depth, sort_order=job.sort_order) for job in generation.jobs]
    transports = [TransportJob(tenant_id=plan.tenant_id, origin=t.origin, destination=t.destination,
                               items=t.items_json(), estimated_cost=t.estimated_cost, sort_order=t.sort_order,
                               created_at=None)
                  for t in generation.transports]
    return {"run": None, "created": jobs, "skipped": generation.skipped, "materials": generation.materials,
            "transport_jobs": transports}
