"""Production pages of the runs app. For now: starting a queued job (the job queue and plan-run
pages of ``plans`` post here, since a job's production run belongs to ``runs``)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from plans import selectors as plan_selectors
from plans.views import job_action
from prodtrack.models import Role
from prodtrack.pages import found
from prodtrack.tenancy import role_required
from runs import services


@require_POST
@role_required(Role.OPERATOR)
def job_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a planned job (``job_start``): its production run is created, prefilled from the
    recipe with suggested spools; the message names the run."""
    job = found(plan_selectors.job_get, tenant=request.tenant, pk=pk)

    def started(run) -> str:
        where = f" on {run.workstation.name}" if run.workstation else ""
        return f"Job #{job.pk} started: production run {run.run_number}{where} ({job.quantity} × {job.product.name})."

    return job_action(request, job, lambda: services.job_start(job=job, by=request.user), done=started)
