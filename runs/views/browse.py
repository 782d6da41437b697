"""Production run pages to browse: the run list, a run's detail and the variance dashboard."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from prodtrack.exceptions import ApplicationError
from prodtrack.models import Role
from prodtrack.pages import filtered, found, paginate, render_page
from prodtrack.tenancy import role_required
from runs import selectors
from runs.forms import ProductionRunFilterForm, VarianceFilterForm
from runs.variance import run_variance, variance_band

# --- production runs -------------------------------------------------------------------------------

@role_required(Role.VIEWER)
def run_list(request: HttpRequest) -> HttpResponse:
    """Production runs newest first: products, printer, status and filament variance."""
    form = ProductionRunFilterForm(request.GET, tenant=request.tenant)

    def select():
        data = {key: value for key, value in form.cleaned_data.items() if value not in (None, "")}
        for key in ("product", "workstation"):
            if key in data:
                data[key] = data[key].pk
        data["status"] = [data["status"]] if "status" in data else []
        if request.GET.get("ordering"):
            data["ordering"] = request.GET["ordering"]
        return selectors.production_run_list(tenant=request.tenant, filters=data)

    page = paginate(request, filtered(form, select))
    return render_page(request, "runs/run_list.html", {"form": form, "page": page})


@role_required(Role.VIEWER)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One run: overview, items with outcomes, materials with their variance, parts used, the run's
    variance."""
    run = found(selectors.production_run_get, tenant=request.tenant, pk=pk)
    items = list(run.items.all())
    materials = list(run.materials.all())
    variance = run_variance(run)
    difference = variance["duration"].difference
    return render(request, "runs/run_detail.html", {
        "run": run, "items": items, "materials": materials, "parts": list(run.parts.all()), "variance": variance,
        "duration_difference": difference, "duration_difference_abs": abs(difference or 0),
        "reprints": list(run.reprints.all()), "chart": selectors.run_materials_chart(materials=materials),
        "stars": range(1, 6)})


# --- variance dashboard ----------------------------------------------------------------------------

@role_required(Role.VIEWER)
def variance_dashboard(request: HttpRequest) -> HttpResponse:
    """Filament variance across completed runs: summary, grams per day, variance per product,
    recommendations (one ``variance_report`` call; filters date_from, date_to, product)."""
    form = VarianceFilterForm(request.GET, tenant=request.tenant)
    report = None
    if form.is_valid():
        data = {key: value for key, value in form.cleaned_data.items() if value not in (None, "")}
        if "product" in data:
            data["product"] = data["product"].pk
        try:
            report = selectors.variance_report(tenant=request.tenant, filters=data)
        except ApplicationError as error:
            form.add_application_error(error)
    products = [{**row, "band": variance_band(row["average_variance_pct"]) or "none"}
                for row in (report or {}).get("products", [])]
    products.sort(key=lambda row: (row["average_variance_pct"] is None, -(row["average_variance_pct"] or 0),
                                   row["product_name"]))
    chart = selectors.variance_report_charts(by_day=(report or {}).get("by_day", []), products=products)
    summary = (report or {}).get("summary") or {}
    return render(request, "runs/variance.html", {
        "form": form, "report": report, "summary": summary, "products": products,
        "recommendations": (report or {}).get("recommendations", []), "chart": chart,
        "has_runs": bool(summary.get("runs"))})
