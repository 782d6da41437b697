"""The create-run wizard (``/runs/new/``): basics → items → materials → review → create.

Every POST saves the step's raw input in the session draft (``runs.wizard.Draft``) before
anything else, so Back, Forward and the step links keep what was typed; Next moves on only
when the step is valid. ``?job=<id>`` starts a queued job: the draft is prefilled from the job
(its printer, pieces, grams and suggested spools) and Create calls ``job_start``.

Step 1 also takes a slicer file (``gcode``, multipart, button ``action=gcode_upload``): it is
parsed from the upload (head and tail only; Django keeps a big upload in a temporary file, not
in memory) and only its name and estimate go into the draft (``Draft.gcode_attach``); a file the
parser refuses shows its message on step 1 and changes nothing. ``action=gcode_remove`` forgets it.
"""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from inventory import gcode_match
from plans import selectors as plan_selectors
from plans.models import JobQueueEntry
from prodtrack.exceptions import ApplicationError, ValidationError
from prodtrack.models import Role
from prodtrack.pages import found, render_page
from prodtrack.tenancy import role_required
from runs import services
from runs.wizard.draft import ITEM_FIELDS, MATERIAL_FIELDS, STEP_TITLES, STEPS, Draft, rows_from_post
from runs.wizard.flow import Wizard
from runs.wizard.forms import spool_label

TEMPLATE = "runs/run_create.html"
# Which step a service error's field belongs to ("materials[0].spool" → materials).
FIELD_STEPS = {"items": "items", "item": "items", "materials": "materials", "material": "materials"}


def _step_url(step: str, job: JobQueueEntry | None) -> str:
    url = reverse("runs:run-create") if step == STEPS[0] else reverse("runs:run-create-step", args=[step])
    return f"{url}?job={job.pk}" if job else url


def _save(draft: Draft, step: str, data: Any, action: str) -> None:
    """Keep the step's input (and apply its row buttons: add or remove a row)."""
    if step == "basics":
        draft.basics = {name: data.get(name, "") for name in (
            "started_at", "workstation", "printer_name", "location", "slicer", "estimated_duration_s",
            "nozzle_temp_c", "bed_temp_c", "notes")}
    elif step == "items" and draft.job_id is None:
        draft.items = rows_from_post(data, "items", ITEM_FIELDS)
        if action == "add_item":
            draft.items.append({"product": "", "quantity": "1", "bed_position": ""})
        _remove_row(draft.items, action, "remove_item:")
    elif step == "materials":
        draft.materials = rows_from_post(data, "materials", MATERIAL_FIELDS)
        if draft.gcode:
            draft.gcode["materials_prefilled"] = True  # its filament rows are in the saved rows now
        if action == "add_spool":
            draft.materials.append({"material": "", "spool": "", "estimated_weight_g": "", "estimated_purge_g": "0"})
        _remove_row(draft.materials, action, "remove_spool:")


def _remove_row(rows: list[dict[str, str]], action: str, prefix: str) -> None:
    if action.startswith(prefix) and action[len(prefix):].isdigit():
        index = int(action[len(prefix):])
        if 0 <= index < len(rows):
            del rows[index]


@role_required(Role.OPERATOR)
def run_create(request: HttpRequest, step: str = STEPS[0]) -> HttpResponse:
    """One step of the wizard: GET shows it, POST saves it and goes where the button says
    (``action``: next, back, goto:<step>, add/remove a row, refresh the estimates, create)."""
    if step not in STEPS:
        return redirect(_step_url(STEPS[0], None))
    job, refused = _job_to_start(request)
    if refused is not None:
        return refused
    draft = Draft.load(request.session, job.pk if job else None)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "discard":
        draft.discard(request.session)
        return redirect(_step_url(STEPS[0], job))
    gcode_error = None
    if request.method == "POST":
        gcode_error = _save_post(request, draft, step, action)
        if action.startswith(("add_", "remove_")) or (action.startswith("gcode_") and gcode_error is None):
            return redirect(_step_url(step, job))
    wizard = Wizard(tenant=request.tenant, draft=draft, job=job)
    if gcode_error is not None:
        return render_page(request, TEMPLATE, {**_context(request, wizard, step), "gcode_error": gcode_error},
                           partial="wizard", status=400)
    if action == "refresh":
        return render_page(request, TEMPLATE, _context(request, wizard, step), partial=f"{step}-estimate")
    if action == "create" and step == "review":
        return _create(request, wizard, job)
    return _move(request, wizard, step, action, job)


def _job_to_start(request: HttpRequest) -> tuple[JobQueueEntry | None, HttpResponse | None]:
    """The planned job named by ``?job=`` (404 for another tenant's), or a redirect to the job
    queue with a message when it is no longer planned; ``(None, None)`` for a run without a job."""
    if not request.GET.get("job"):
        return None, None
    job = found(plan_selectors.job_get, tenant=request.tenant, pk=request.GET["job"])
    if job.status != JobQueueEntry.Status.PLANNED:
        messages.error(request, f"Job #{job.pk} is {job.get_status_display().lower()}; only planned jobs start.")
        return job, redirect("plans:job-list")
    return job, None


def _save_post(request: HttpRequest, draft: Draft, step: str, action: str) -> str | None:
    """Save the step's input (and a G-code file's prefill) in the draft; the parser's message when
    it refuses the file."""
    _save(draft, step, request.POST, action)
    gcode_error = None
    if action == "gcode_upload":
        gcode_error = _gcode_upload(request, draft)
    elif action == "gcode_remove":
        draft.gcode_remove()
    draft.save(request.session)
    return gcode_error


def _move(request: HttpRequest, wizard: Wizard, step: str, action: str, job: JobQueueEntry | None) -> HttpResponse:
    """Back, go to a step, or Next (only when the step is valid; else it shows again with its errors)."""
    index = STEPS.index(step)
    if action == "back" and index:
        return redirect(_step_url(STEPS[index - 1], job))
    if action.startswith("goto:") and action[5:] in STEPS:
        return redirect(_step_url(action[5:], job))
    status = 200
    if action == "next" and index < len(STEPS) - 1:
        if not wizard.validate().get(step):
            return redirect(_step_url(STEPS[index + 1], job))
        status = 400
    return render_page(request, TEMPLATE, _context(request, wizard, step), partial="wizard", status=status)


def _gcode_upload(request: HttpRequest, draft: Draft) -> str | None:
    """Parse the uploaded slicer file into the draft; the parser's message when it refuses it."""
    upload = request.FILES.get("gcode")
    if upload is None:
        return "Choose a G-code file (.gcode, .gcode.3mf or .3mf) first."
    try:
        estimate = gcode_match.gcode_upload_parse(upload=upload, field="gcode")
    except ValidationError as error:
        return error.fields["gcode"][0]
    products = gcode_match.gcode_object_products(tenant=request.tenant, estimate=estimate)
    draft.gcode_attach(file_name=upload.name, estimate=estimate, products=products)
    messages.success(request, f"Read {upload.name}: the print time, pieces and grams it gives are filled in.")
    return None


def _create(request: HttpRequest, wizard: Wizard, job: JobQueueEntry | None) -> HttpResponse:
    """Create the run from a valid draft (one service call), forget the draft, show the run."""
    if wizard.validate():
        return render_page(request, TEMPLATE, _context(request, wizard, "review"), partial="wizard", status=400)
    arguments = wizard.run_arguments()
    try:
        if job is None:
            run = services.production_run_create(tenant=request.tenant, by=request.user, **arguments)
        else:
            run = services.job_start(job=job, by=request.user, **arguments)
    except ApplicationError as error:
        wizard.errors.setdefault(_error_step(error), []).extend(_error_messages(error))
        return render_page(request, TEMPLATE, _context(request, wizard, "review"), partial="wizard",
                           status=error.http_status)
    wizard.draft.discard(request.session)
    messages.success(request, f"Production run {run.run_number} started"
                              + (f" for job #{job.pk}" if job else "") + ". Complete it when the print is done.")
    return redirect("runs:run-detail", run.pk)


def _error_step(error: ApplicationError) -> str:
    """The step a service error points at (by its first field's name), else review."""
    fields = list(error.fields) if isinstance(error, ValidationError) else []
    head = fields[0].split("[")[0].split(".")[0] if fields else ""
    return FIELD_STEPS.get(head, "basics" if head else "review")


def _error_messages(error: ApplicationError) -> list[str]:
    if isinstance(error, ValidationError) and error.fields:
        return [f"{name}: {message}" for name, problems in error.fields.items() for message in problems]
    return [error.message]


def _context(request: HttpRequest, wizard: Wizard, step: str) -> dict[str, Any]:
    index = STEPS.index(step)
    if not wizard.errors:          # keep errors already found, e.g. a service's refusal on Create
        wizard.validate()
    saved = {"basics": wizard.draft.basics is not None, "items": wizard.draft.items is not None or wizard.job is not None,
             "materials": wizard.draft.materials is not None, "review": True}
    readiness = plan_selectors.job_readiness(jobs=[wizard.job]).get(wizard.job.pk) if wizard.job else None
    return {
        "wizard": wizard, "job": wizard.job, "readiness": readiness, "step": step, "step_number": index + 1,
        "steps": [{"name": name, "title": STEP_TITLES[name], "number": number, "url": _step_url(name, wizard.job),
                   "current": name == step, "done": number <= index,
                   "errors": bool(wizard.errors.get(name)) and (saved[name] or step == "review")}
                  for number, name in enumerate(STEPS, 1)],
        "error_groups": [{"title": STEP_TITLES[name], "url": _step_url(name, wizard.job) if name != "review" else "",
                          "problems": wizard.errors[name]} for name in STEPS if wizard.errors.get(name)],
        "next_step": STEPS[index + 1] if index + 1 < len(STEPS) else None,
        "action_url": _step_url(step, wizard.job),
        "spool_label": spool_label,
    }
