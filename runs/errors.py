"""Runs' business errors (the ApplicationError family of ``prodtrack.exceptions``)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from prodtrack.exceptions import ConflictError

if TYPE_CHECKING:
    from runs.models import ProductionRun


class RunStateError(ConflictError):
    """409: the run's status does not allow the action."""

    code = "run_state"

    def __init__(self, *, run: ProductionRun, action: str, hint: str = "") -> None:
        super().__init__(f"Run {run.run_number} is {run.get_status_display().lower()}; cannot {action}."
                         + (f" {hint}" if hint else ""), run_id=run.pk, status=run.status, action=action)
