"""Plans pages: plans and their step editor, generation, plan runs and the job queue.

Thin views — parse a form, call one selector or service, render — on the mechanics of
``prodtrack.pages``. The step editor swaps one step (with its subtree) over HTMX; without HTMX
every step action redirects back to the editor.
"""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from inventory import selectors as inventory_selectors
from plans import selectors, services
from plans.forms import (
    GenerateForm,
    JobQueueFilterForm,
    PlanCreateForm,
    PlanFilterForm,
    PlanRunFilterForm,
    PlanSettingsForm,
    StepForm,
    StepProductForm,
)
from plans.models import ProductionPlan, ProductionPlanRun
from prodtrack.exceptions import ApplicationError
from prodtrack.forms import PageForm
from prodtrack.models import Role
from prodtrack.pages import button_action, filtered, found, next_url, paginate, render_page, submit, wants_partial
from prodtrack.tenancy import role_required

RECENT_RUNS = 5


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _can(request: HttpRequest, role: str) -> bool:
    return bool(request.membership and request.membership.has_role(role))


def _plan(request: HttpRequest, pk: int) -> ProductionPlan:
    return found(selectors.plan_get, tenant=request.tenant, pk=pk)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- plans -----------------------------------------------------------------------------------

@role_required(Role.VIEWER)
def plan_list(request: HttpRequest) -> HttpResponse:
    """Plans with their product, number of steps and last run; managers get the "New plan" dialog."""
    form = PlanFilterForm(request.GET, tenant=request.tenant)
    rows = filtered(form, lambda: selectors.plan_page_list(tenant=request.tenant, filters=request.GET))
    context: dict[str, Any] = {"form": form, "page": paginate(request, rows)}
    if not wants_partial(request) and _can(request, Role.MANAGER):
        context["create_form"] = PlanCreateForm(tenant=request.tenant)
    return render_page(request, "plans/plan_list.html", context)


@role_required(Role.MANAGER)
def plan_create(request: HttpRequest) -> HttpResponse:
    """Create a plan for a product (``production_plan_create``), then edit its steps."""
    form = PlanCreateForm(_posted(request), tenant=request.tenant)
    plan, status = submit(request, form, lambda: services.production_plan_create(
        tenant=request.tenant, **form.cleaned_data))
    if plan is not None:
        messages.success(request, f"Plan {plan.name} created. Mark the inputs you make yourself, then generate.")
        return redirect("plans:plan-detail", pk=plan.pk)
    return render(request, "plans/plan_form.html", {
        "form": form, "has_products": form.fields["product"].queryset.exists()}, status=status)


def _decorate_tree(request: HttpRequest, root: selectors.StepNode | None,
                   forms: dict[int, StepForm] | None = None, errors: dict[int, list[str]] | None = None,
                   saved: int | None = None) -> None:
    """Give each node what the editor shows: its edit form (managers), errors, whether inputs
    have a recipe. Recipes and locations are loaded once for the whole tree (2 queries)."""
    if root is None:
        return
    nodes = list(root.walk())
    product_ids = {node.step.product_id for node in nodes}
    product_ids |= {line.line.item_type_id for node in nodes for line in node.inputs}
    recipes = selectors.recipes_by_product(tenant=request.tenant, product_ids=product_ids)
    editable = _can(request, Role.MANAGER)
    locations = list(inventory_selectors.location_list(tenant=request.tenant)) if editable else []
    for node in nodes:
        pk = node.step.pk
        node.errors = (errors or {}).get(pk, [])
        node.saved = saved == pk
        node.form = (forms or {}).get(pk) or (StepForm(step=node.step, recipes=recipes.get(node.step.product_id, []),
                                                       locations=locations) if editable else None)
        for line in node.inputs:
            line.has_recipe = any(recipe.is_active for recipe in recipes.get(line.line.item_type_id, []))


def _editor(request: HttpRequest, plan: ProductionPlan, *, settings_form: PlanSettingsForm | None = None,
            action_form: PageForm | None = None, status: int = 200, **tree: Any) -> HttpResponse:
    """The plan editor (also re-rendered with the errors of a refused change)."""
    root, _ = selectors.plan_step_tree(plan=plan)
    _decorate_tree(request, root, **tree)
    return render(request, "plans/plan_detail.html", {
        "plan": plan, "root": root, "step_count": sum(1 for _ in root.walk()) if root else 0,
        "settings_form": settings_form or PlanSettingsForm(obj=plan), "action_form": action_form,
        "generate_form": GenerateForm(product=plan.product),
        "recent_runs": selectors.plan_run_list(tenant=request.tenant, plan=plan)[:RECENT_RUNS],
    }, status=status)


@role_required(Role.VIEWER)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan editor: its step tree (make or buy each input), settings, generation, recent runs."""
    return _editor(request, _plan(request, pk))


@require_POST
@role_required(Role.MANAGER)
def plan_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename the plan or change its notes and transport settings (``production_plan_update``)."""
    plan = _plan(request, pk)
    form = PlanSettingsForm(request.POST, obj=plan)
    saved, status = submit(request, form, lambda: services.production_plan_update(
        plan=plan, data=form.changed_values()))
    if saved is None:
        return _editor(request, _plan(request, pk), settings_form=form, status=status)
    messages.success(request, f"Plan {saved.name} saved.")
    return redirect("plans:plan-detail", pk=plan.pk)


@require_POST
@role_required(Role.MANAGER)
def plan_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a plan with its steps and plan runs; their jobs stay in the queue."""
    plan = _plan(request, pk)
    form = PageForm(request.POST)
    deleted, status = submit(request, form, lambda: services.production_plan_delete(plan=plan) or plan)
    if deleted is None:
        return _editor(request, plan, action_form=form, status=status)
    messages.success(request, f"Plan {plan.name} deleted. Jobs it generated stay in the queue.")
    return redirect("plans:plan-list")


# --- the step tree -------------------------------------------------------------------------------

def _step_response(request: HttpRequest, plan: ProductionPlan, focus: int, *, status: int = 200,
                   **tree: Any) -> HttpResponse:
    """After a step change: over HTMX the ``focus`` step with its subtree, else the editor."""
    if not wants_partial(request):
        return _editor(request, plan, status=status, **tree)
    root, index = selectors.plan_step_tree(plan=plan)
    _decorate_tree(request, root, **tree)
    return render(request, "plans/_step_swap.html", {"plan": plan, "node": index[focus], "step_count": len(index)},
                  status=status)


def _form_messages(form: PageForm) -> list[str]:
    return [str(error) for errors in form.errors.values() for error in errors]


def _step_done(request: HttpRequest, plan: ProductionPlan, focus: int, message: str) -> HttpResponse:
    if wants_partial(request):
        return _step_response(request, plan, focus, saved=focus)
    messages.success(request, message)
    return redirect(reverse("plans:plan-detail", args=[plan.pk]) + f"#step-{focus}")


@require_POST
@role_required(Role.MANAGER)
def step_update(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    """Save one step's recipe, efficiencies, tax, location and workstation kind (in place)."""
    plan = _plan(request, pk)
    step = found(selectors.plan_step_get, plan=plan, pk=step_pk)
    recipes = selectors.recipes_by_product(tenant=request.tenant, product_ids=[step.product_id])
    form = StepForm(request.POST, step=step, recipes=recipes.get(step.product_id, []),
                    locations=inventory_selectors.location_list(tenant=request.tenant))
    saved, status = submit(request, form, lambda: services.production_plan_step_update(
        step=step, data=form.cleaned_data))
    if saved is None:
        return _step_response(request, plan, step.pk, forms={step.pk: form}, status=status)
    return _step_done(request, plan, step.pk, f"Step {step.product.name} saved.")


@require_POST
@role_required(Role.MANAGER)
def step_make(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    """Buy → make: an input of the step's recipe gets its own child step (``production_plan_step_add``)."""
    plan = _plan(request, pk)
    step = found(selectors.plan_step_get, plan=plan, pk=step_pk)
    form = StepProductForm(request.POST, tenant=request.tenant)
    child, status = submit(request, form, lambda: services.production_plan_step_add(
        parent=step, product=form.cleaned_data["product"]))
    if child is None:
        return _step_response(request, plan, step.pk, errors={step.pk: _form_messages(form)}, status=status)
    return _step_done(request, plan, step.pk, f"{child.product.name} is now made in the plan.")


@require_POST
@role_required(Role.MANAGER)
def step_remove(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    """Make → buy: remove a child step and its subtree (``production_plan_step_remove``)."""
    plan = _plan(request, pk)
    step = found(selectors.plan_step_get, plan=plan, pk=step_pk)
    focus = step.parent_id or step.pk
    form = PageForm(request.POST)

    def remove() -> Any:
        services.production_plan_step_remove(step=step)
        return step

    removed, status = submit(request, form, remove)
    if removed is None:
        return _step_response(request, plan, focus, errors={focus: _form_messages(form)}, status=status)
    return _step_done(request, plan, focus, f"{step.product.name} is now bought (its steps were removed).")


# --- generation ----------------------------------------------------------------------------------

def plan_generate(request: HttpRequest, pk: int) -> HttpResponse:
    """GET previews (anyone who reads the plan), POST generates (managers)."""
    return _generate(request, pk) if request.method == "POST" else _generate_preview(request, pk)


@role_required(Role.VIEWER)
def _generate_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """What generating would make (``plan_preview``): jobs, skipped steps, materials, transports."""
    plan = _plan(request, pk)
    form = GenerateForm(request.GET if "quantity" in request.GET else None, product=plan.product)
    preview, status = None, 200
    if form.is_bound:
        if not form.is_valid():
            status = 400
        else:
            try:
                preview = services.plan_preview(plan=plan, **form.cleaned_data)
            except ApplicationError as error:
                form.add_application_error(error)
                status = error.http_status
    return render_page(request, "plans/plan_generate.html", {"plan": plan, "form": form, "preview": preview},
                       partial="generate", status=status)


@role_required(Role.MANAGER)
def _generate(request: HttpRequest, pk: int) -> HttpResponse:
    """Generate the previewed quantity (``plan_generate``) and open the new plan run."""
    plan = _plan(request, pk)
    form = GenerateForm(request.POST, product=plan.product)
    result, status = submit(request, form, lambda: services.plan_generate(
        plan=plan, by=request.user, **form.cleaned_data))
    if result is None:
        return render(request, "plans/plan_generate.html", {"plan": plan, "form": form}, status=status)
    messages.success(request, f"Plan run #{result.run.pk} generated: {_plural(len(result.jobs), 'job')} for "
                              f"{result.run.quantity} × {plan.product.name}.")
    return redirect("plans:run-detail", pk=result.run.pk)


# --- plan runs -----------------------------------------------------------------------------------

@role_required(Role.VIEWER)
def plan_run_list(request: HttpRequest) -> HttpResponse:
    """Plan runs across plans, newest first: derived status and job progress."""
    form = PlanRunFilterForm(request.GET, tenant=request.tenant)
    rows = filtered(form, lambda: selectors.plan_run_list(tenant=request.tenant, filters=request.GET))
    return render_page(request, "plans/plan_run_list.html", {"form": form, "page": paginate(request, rows)})


def _plan_run(request: HttpRequest, pk: int) -> ProductionPlanRun:
    return found(selectors.plan_run_get, tenant=request.tenant, pk=pk)


@role_required(Role.VIEWER)
def plan_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One plan run: status, progress, its jobs in queue order and its transport jobs."""
    plan_run = _plan_run(request, pk)
    return render(request, "plans/plan_run_detail.html", {
        "run": plan_run, "jobs": selectors.plan_run_jobs(plan_run=plan_run),
        "transports": selectors.plan_run_transport_jobs(plan_run=plan_run)})


@require_POST
@role_required(Role.OPERATOR)
def plan_run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel the run's planned jobs (``plan_run_cancel``); active and completed jobs stay."""
    plan_run = _plan_run(request, pk)
    return button_action(
        request, lambda: services.plan_run_cancel(plan_run=plan_run),
        done=lambda count: f"{_plural(count, 'job')} cancelled." if count else "No planned jobs to cancel.",
        back=reverse("plans:run-detail", args=[plan_run.pk]))


@require_POST
@role_required(Role.MANAGER)
def plan_run_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a plan run (``plan_run_delete``); its jobs stay in the queue, unlinked."""
    plan_run = _plan_run(request, pk)
    number, jobs = plan_run.pk, plan_run.job_total   # delete() clears the pk
    return button_action(
        request, lambda: services.plan_run_delete(plan_run=plan_run) or plan_run,
        done=lambda _: f"Plan run #{number} deleted; its {_plural(jobs, 'job')} "
                       f"{'stays' if jobs == 1 else 'stay'} in the queue.",
        back=reverse("plans:run-detail", args=[number]), success_url=lambda _: reverse("plans:run-list"))


# --- the job queue -------------------------------------------------------------------------------

@role_required(Role.VIEWER)
def job_list(request: HttpRequest) -> HttpResponse:
    """Jobs grouped by workstation (unassigned last), open ones unless another status is chosen."""
    form = JobQueueFilterForm(request.GET, tenant=request.tenant)
    rows = filtered(form, lambda: selectors.job_queue(tenant=request.tenant, filters=form.selector_filters()))
    page = paginate(request, rows)
    return render_page(request, "plans/job_list.html", {
        "form": form, "page": page, "rows": selectors.job_queue_rows(jobs=page.object_list)})


@require_POST
@role_required(Role.OPERATOR)
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a planned job (``job_cancel``)."""
    job = found(selectors.job_get, tenant=request.tenant, pk=pk)
    return button_action(request, lambda: services.job_cancel(job=job),
                         done=lambda cancelled: f"Job #{cancelled.pk} ({job.product.name}) cancelled.",
                         back=next_url(request, reverse("plans:job-list")))
