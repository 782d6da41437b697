"""Plans' business errors (the ApplicationError family of ``prodtrack.exceptions``)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from prodtrack.exceptions import ConflictError

if TYPE_CHECKING:
    from plans.models import JobQueueEntry, TransportJob


class JobStateError(ConflictError):
    """409: the job's status does not allow the action."""

    code = "job_state"

    def __init__(self, *, job: JobQueueEntry, action: str) -> None:
        super().__init__(f"Job {job.pk} is {job.get_status_display().lower()}; cannot {action}.",
                         job_id=job.pk, status=job.status, action=action)


class TransportJobStateError(ConflictError):
    """409: the transport job's status does not allow the move."""

    code = "transport_job_state"

    def __init__(self, *, transport_job: TransportJob, status: str) -> None:
        super().__init__(f"Transport job {transport_job.pk} is {transport_job.status}; cannot become {status}.",
                         transport_job_id=transport_job.pk, status=transport_job.status)
