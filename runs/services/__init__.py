"""Production run writes: create, edit, complete, fail, cancel (void), delete, reprint, and starting
a queued job (DESIGN §4), one module per concern: ``inputs``, ``numbering``, ``estimates``,
``editing``, ``endings``, ``jobs`` (``common`` holds the row lock and rounding they share). This
package exposes them as one API: ``from runs import services``.

Every change of stock goes to the inventory ledger through ``inventory.services`` with the run
as the source document (``reference_type="production_run"``). Weights are grams, durations
seconds; all arithmetic is Decimal.

Status machine::

    in_progress ──complete──▶ completed ──fail──▶ failed (usage kept, output reversed)
         │                        │
         ├──fail──▶ failed        └──cancel──▶ cancelled (void: every ledger row reversed)
         └──cancel──▶ cancelled   failed ──cancel──▶ cancelled

Only ``in_progress`` runs are edited. Every state change locks the run row first and checks
the status under the lock, so two concurrent completes cannot both pass.
"""
from runs.actuals import MaterialActual, PartUse, material_actuals_apply
from runs.models import REFERENCE_RUN
from runs.numbers import run_number_format, run_number_sequence
from runs.services.editing import (
    production_run_create,
    production_run_edit,
    production_run_item_add,
    production_run_item_remove,
    production_run_item_update,
    production_run_material_add,
    production_run_material_remove,
    production_run_material_update,
    production_run_reprint,
    production_run_update,
    run_totals_refresh,
)
from runs.services.endings import (
    WASTE_REASON_NEEDED,
    production_run_cancel,
    production_run_complete,
    production_run_delete,
    production_run_fail,
)
from runs.services.estimates import RecipeEstimate, job_material_grams, recipe_estimate
from runs.services.inputs import ItemOutcome, ItemSpec, MaterialSpec
from runs.services.jobs import job_start

__all__ = [
    "REFERENCE_RUN", "WASTE_REASON_NEEDED", "ItemOutcome", "ItemSpec", "MaterialActual", "MaterialSpec", "PartUse",
    "RecipeEstimate", "job_material_grams", "job_start", "material_actuals_apply", "production_run_cancel",
    "production_run_complete", "production_run_create", "production_run_delete", "production_run_fail",
    "production_run_item_add", "production_run_item_remove", "production_run_item_update",
    "production_run_material_add", "production_run_material_remove", "production_run_material_update",
    "production_run_reprint", "production_run_edit", "production_run_update", "recipe_estimate", "run_number_format",
    "run_number_sequence", "run_totals_refresh",
]
