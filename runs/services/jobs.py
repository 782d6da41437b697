"""Starting a queued job: its production run, prefilled from the job's recipe (DESIGN §5)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction

from inventory import selectors as inventory_selectors
from inventory.models import Spool, Workstation
from plans import services as plan_services
from plans.models import JobQueueEntry
from prodtrack.models import User
from prodtrack.telemetry import traced
from runs.models import ProductionRun
from runs.services.common import (
    ZERO,
)
from runs.services.editing import production_run_create
from runs.services.estimates import job_material_grams
from runs.services.inputs import ItemSpec, MaterialSpec


@traced("job.start")
@transaction.atomic
def job_start(*, job: JobQueueEntry, by: User, workstation: Workstation | None = None,
              spools: Sequence[Spool] | None = None, materials: Sequence[MaterialSpec] | None = None,
              started_at: datetime | None = None, printer_name: str = "", slicer: str = "",
              estimated_duration_s: int | None = None, bed_temp_c: int | None = None,
              nozzle_temp_c: int | None = None, notes: str = "", gcode_filename: str = "",
              gcode_estimate: dict | None = None) -> ProductionRun:
    """Start a planned job: create its production run, prefilled from the job's recipe, and make
    the job ``active``.

    The run prints the job's pieces (runs × output) on ``workstation`` (default: the job's).
    Its materials are ``materials`` as given (the run wizard: spools, grams and purge the
    operator chose; grams None → the job's grams of that spool's material), else ``spools``
    with the job's grams, else one suggested spool per material of the recipe (at the job's
    location first, then the fullest). The job's grams are ``job_material_grams``; duration
    (unless ``estimated_duration_s``) and cost are the job's; ``started_at`` (default now)
    dates the run and its number. Raises JobStateError (409) unless the job is planned,
    ValidationError (400) when neither the job nor the workstation gives the output a location,
    and the create errors of ``production_run_create``.
    """
    job = plan_services.job_claim(job=job, workstation=workstation)
    workstation = job.workstation
    grams = job_material_grams(job)
    if materials is None:
        if spools is None:
            spools = [found[0] for found in inventory_selectors.spools_for_materials(
                tenant=job.tenant, grams=grams, location_id=job.location_id).values() if found]
        materials = [MaterialSpec(spool=spool) for spool in spools]
    materials = [spec if spec.estimated_weight_g is not None else
                 MaterialSpec(spool=spec.spool, estimated_weight_g=grams.get(spec.spool.item_type_id, ZERO),
                              estimated_purge_g=spec.estimated_purge_g)
                 for spec in materials]
    run = production_run_create(
        tenant=job.tenant, by=by, workstation=workstation, location=job.location,
        items=[ItemSpec(product=job.product, quantity=job.quantity, estimated_cost=job.estimated_cost)],
        materials=materials, started_at=started_at, printer_name=printer_name, slicer=slicer,
        estimated_duration_s=estimated_duration_s if estimated_duration_s is not None else job.estimated_duration_s,
        bed_temp_c=bed_temp_c, nozzle_temp_c=nozzle_temp_c, gcode_filename=gcode_filename,
        gcode_estimate=gcode_estimate,
        notes="\n".join(filter(None, [f"Job {job.pk}" + (f" of plan run {job.plan_run_id}" if job.plan_run_id else ""),
                                      notes])))
    ProductionRun.objects.filter(pk=run.pk).update(job=job)
    run.job = job
    return run
