"""Stockpiles' business errors (the ApplicationError family of ``prodtrack.exceptions``)."""
from prodtrack.exceptions import ConflictError


class AutoProductionRunStateError(ConflictError):
    """409: another writer already moved the auto-production run past the asked status."""

    code = "auto_production_run_state"

    def __init__(self, *, run_id: int, status: str) -> None:
        super().__init__(f"Auto-production run {run_id} cannot become {status}.", run_id=run_id, status=status)
