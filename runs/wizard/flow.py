"""The wizard's flow: a draft turned into bound forms, recipe estimates, G-code prefills and the
errors of every step, and Create's arguments for the services."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from inventory import gcode_match
from inventory import selectors as inventory_selectors
from inventory.models import ItemType
from plans.models import JobQueueEntry
from prodtrack.models import Tenant
from runs import services
from runs.selectors import run_number_preview
from runs.services import ItemSpec, MaterialSpec
from runs.wizard.draft import Draft, formset_data
from runs.wizard.forms import BasicsForm, ItemFormSet, MaterialFormSet

ZERO = Decimal("0")


@dataclass
class Wizard:
    """Everything a step needs, built from a draft in a fixed number of queries.

    ``basics``, ``items`` and ``materials`` are the bound (or initial) form and formsets;
    ``estimate`` the recipe estimate of the items entered; ``needs`` the grams per material;
    ``errors`` per step, filled by ``validate``.
    """

    tenant: Tenant
    draft: Draft
    job: JobQueueEntry | None
    basics: BasicsForm = field(init=False)
    items: Any = field(init=False)
    materials: Any = field(init=False)
    item_specs: list[tuple[ItemType, int]] = field(init=False)
    estimate: services.RecipeEstimate | None = field(init=False)
    needs: dict[int, Decimal] = field(init=False)
    material_types: dict[int, ItemType] = field(init=False)
    gcode_matches: list[gcode_match.FilamentMatch] = field(init=False)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.basics = self._basics_form()
        self.items = self._item_formset()
        self.item_specs = self._valid_items()
        if self.job is not None:
            self.needs = services.job_material_grams(self.job)
            self.estimate = None
        else:
            self.estimate = (services.recipe_estimate(tenant=self.tenant, items=self.item_specs)
                             if self.item_specs else None)
            self.needs = dict(self.estimate.material_grams) if self.estimate else {}
        self.material_types = {material.pk: material for material in
                               ItemType.objects.for_tenant(self.tenant).filter(pk__in=self.needs)} if self.needs else {}
        self.materials = self._material_formset()

    # -- the three forms --

    def _basics_form(self) -> BasicsForm:
        if self.draft.basics is not None:
            return BasicsForm(self.draft.basics, tenant=self.tenant, job=self.job)
        initial: dict[str, Any] = {"started_at": timezone.localtime().replace(second=0, microsecond=0)}
        if self.job is not None:
            initial.update(workstation=self.job.workstation_id, estimated_duration_s=self.job.estimated_duration_s)
        return BasicsForm(tenant=self.tenant, job=self.job, initial=initial)

    def _item_formset(self) -> Any:
        if self.job is not None:  # a job prints its own pieces: shown, not edited
            rows = [{"product": str(self.job.product_id), "quantity": str(self.job.quantity), "bed_position": ""}]
        else:
            rows = self.draft.items if self.draft.items is not None else [
                {"product": "", "quantity": "1", "bed_position": ""}]
        products = list(ItemType.objects.for_tenant(self.tenant).filter(kind=ItemType.Kind.PRODUCT, is_active=True)
                        .order_by("name", "id"))
        formset = ItemFormSet(formset_data(rows, "items"), prefix="items",
                              row_kwargs=[{"products": products}] * len(rows))
        formset.is_valid()
        return formset

    def _valid_items(self) -> list[tuple[ItemType, int]]:
        return [(form.cleaned_data["product"], form.cleaned_data["quantity"])
                for form in self.items.forms if form.is_valid() and form.cleaned_data.get("product")]

    def _location_id(self) -> int | None:
        if self.job is not None and self.job.location_id:
            return self.job.location_id
        if self.basics.is_bound and self.basics.is_valid():
            data = self.basics.cleaned_data
            place = data.get("location") or (data["workstation"].location if data.get("workstation") else None)
            return place.pk if place else None
        return None

    def _gcode_filaments(self, location_id: int | None) -> dict[int, gcode_match.FilamentMatch]:
        """Recipe material id → the file's filament that gives its grams (each filament's best
        matching material among the needs); ``gcode_matches`` keeps every filament's matches.
        Two queries with a file, none without."""
        self.gcode_matches = gcode_match.gcode_filament_matches(
            tenant=self.tenant, estimate=self.draft.gcode["estimate"], location_id=location_id) \
            if self.draft.gcode else []
        taken: dict[int, gcode_match.FilamentMatch] = {}
        for match in self.gcode_matches:
            if match.grams is None:
                continue
            target = next((item.pk for item in match.materials if item.pk in self.needs and item.pk not in taken), None)
            if target is not None:
                taken[target] = match
        return taken

    def _material_formset(self) -> Any:
        """One row per material the items need (their saved input, else the best spool and the
        recipe grams — or the G-code's grams of that material), then the extra spools the user
        added (and, until the step is saved, one per G-code filament no recipe material took).
        One query for all candidate spools, one for the extra rows' spools, two with a G-code."""
        saved = {row.get("material"): row for row in (self.draft.materials or []) if row.get("material")}
        extra = [row for row in (self.draft.materials or []) if not row.get("material")]
        location_id = self._location_id()
        candidates = inventory_selectors.spools_for_materials(
            tenant=self.tenant, grams=self.needs, location_id=location_id)
        by_gcode = self._gcode_filaments(location_id)
        rows, spools = [], []
        for material_id, grams in self.needs.items():
            row = dict(saved.get(str(material_id)) or {})
            match = by_gcode.get(material_id)
            if match is not None:
                grams = match.grams.quantize(Decimal("0.01"))
            if not row:
                best = candidates[material_id][0].pk if candidates[material_id] else ""
                row = {"spool": str(best), "estimated_weight_g": "", "estimated_purge_g": "0"}
            if row.get("estimated_weight_g", "") in ("", row.get("estimate")):
                row["estimated_weight_g"] = str(grams)  # untouched: follow the recipes (or the G-code)
            row.update(material=str(material_id), estimate=str(grams),
                       filament=str(match.index) if match is not None else "")
            rows.append(row)
            spools.append(candidates[material_id])
        if self.draft.gcode and not self.draft.gcode.get("materials_prefilled"):
            taken = {match.index for match in by_gcode.values()}
            listed = {row.get("filament") for row in extra}
            for match in self.gcode_matches:
                if match.index not in taken and str(match.index) not in listed and match.grams is not None:
                    extra.append({"filament": str(match.index), "spool": str(match.best_spool.pk) if match.best_spool
                                  else "", "estimated_weight_g": str(match.grams.quantize(Decimal("0.01"))),
                                  "estimated_purge_g": "0"})
        if extra:
            active = list(inventory_selectors.spool_list(tenant=self.tenant, filters={"status": "active"})
                          .order_by("item_type__name", "pk"))
            for row in extra:
                rows.append({"filament": "", **row, "material": "", "estimate": ""})
                spools.append(active)
        formset = MaterialFormSet(formset_data(rows, "materials"), prefix="materials",
                                  row_kwargs=[{"spools": choices} for choices in spools])
        formset.is_valid()
        return formset

    # -- what the steps show --

    def material_rows(self) -> list[dict[str, Any]]:
        """Each material form with its material, the needed grams, and (when valid) the spool's cost."""
        rows = []
        for form in self.materials.forms:
            data = form.cleaned_data if form.is_valid() else {}
            spool, grams = data.get("spool"), data.get("estimated_weight_g") or ZERO
            purge = data.get("estimated_purge_g") or ZERO
            material_id = data.get("material")
            filament = data.get("filament")
            gcode = next((match for match in self.gcode_matches if filament is not None and match.index == filament),
                         None)
            chosen = next((candidate for candidate in form.spools if spool and candidate.pk == spool.pk), None)
            rows.append({"form": form, "material": self.material_types.get(material_id), "material_id": material_id,
                         "gcode": gcode, "gcode_filament": self._gcode_filament(filament),
                         "needed": self.needs.get(material_id), "spool": chosen,
                         "cost": (grams + purge) * chosen.cost_per_gram if chosen else None,
                         "short": chosen is not None and chosen.current_weight_g < grams + purge})
        return rows

    def _gcode_filament(self, index: int | None) -> dict[str, Any] | None:
        if index is None or not self.draft.gcode:
            return None
        return next((filament for filament in self.draft.gcode["estimate"].get("filaments") or []
                     if filament.get("index") == index), None)

    def gcode_summary(self) -> dict[str, Any] | None:
        """The loaded slicer file in a line: name, print time, filaments, total grams (no query)."""
        if not self.draft.gcode:
            return None
        estimate = self.draft.gcode["estimate"]
        filaments = estimate.get("filaments") or []
        grams = estimate.get("total_grams")
        if grams is None and filaments and all(f.get("grams") is not None for f in filaments):
            grams = sum(f["grams"] for f in filaments)
        return {"file_name": self.draft.gcode["file_name"], "print_time_s": estimate.get("print_time_s"),
                "filaments": len(filaments), "grams": grams, "slicer": self.draft.gcode.get("slicer"),
                "objects": estimate.get("objects") or []}

    def material_totals(self) -> dict[str, Decimal]:
        """Grams, purge and cost of the chosen spools (rows without a spool left out)."""
        rows = [row for row in self.material_rows() if row["spool"] is not None]
        grams = sum((row["form"].cleaned_data.get("estimated_weight_g") or ZERO for row in rows), ZERO)
        purge = sum((row["form"].cleaned_data.get("estimated_purge_g") or ZERO for row in rows), ZERO)
        return {"grams": grams, "purge": purge, "total": grams + purge,
                "cost": sum((row["cost"] for row in rows), ZERO)}

    def need_rows(self) -> list[dict[str, Any]]:
        """``{"material": ItemType, "grams": Decimal}`` per material the items need."""
        return [{"material": self.material_types.get(material_id), "grams": grams}
                for material_id, grams in self.needs.items()]

    def items_cost(self) -> Decimal:
        """The items' estimated cost (the job's, else the recipes'; products without a recipe add 0)."""
        if self.job is not None:
            return self.job.estimated_cost
        return sum((cost for cost in (self.estimate.item_costs if self.estimate else []) if cost is not None), ZERO)

    def parts_cost(self) -> Decimal:
        """What the recipes' parts cost (0 for a job: its cost is one figure)."""
        return self.estimate.parts_cost if self.estimate else ZERO

    def run_cost(self) -> Decimal:
        """The run's estimated cost as the run keeps it once created: the chosen spools' filament
        (estimated grams + purge at each spool's price) plus the recipes' parts."""
        return self.material_totals()["cost"] + self.parts_cost()

    def item_rows(self) -> list[dict[str, Any]]:
        """Each item form with its recipe cost (None without a recipe or while invalid)."""
        costs = iter([self.job.estimated_cost] if self.job is not None else
                     self.estimate.item_costs if self.estimate else [])
        rows = []
        for form in self.items.forms:
            valid = form.is_valid() and form.cleaned_data.get("product")
            rows.append({"form": form, "cost": next(costs, None) if valid else None})
        return rows

    def duration_s(self) -> int | None:
        """The print time typed in step 1, else the recipes' (or the job's)."""
        if self.basics.is_bound and self.basics.is_valid() and self.basics.cleaned_data["estimated_duration_s"]:
            return self.basics.cleaned_data["estimated_duration_s"]
        if self.job is not None:
            return self.job.estimated_duration_s
        return self.estimate.duration_s if self.estimate else None

    def run_number_preview(self) -> str:
        """The number the run would get now (it is allocated on create)."""
        started = self.basics.cleaned_data.get("started_at") if self.basics.is_bound and self.basics.is_valid() \
            else None
        return run_number_preview(tenant=self.tenant, started_at=started or timezone.now())

    # -- validation and the specs for the services --

    def validate(self) -> dict[str, list[str]]:
        """Every step's errors (``{step: [message]}``); empty when the run can be created."""
        errors: dict[str, list[str]] = {}
        if self.draft.basics is None:
            errors["basics"] = ["Fill in the basics."]
        elif not self.basics.is_valid():
            errors["basics"] = _form_messages(self.basics)
        item_errors = [f"Row {index}: {message}" for index, form in enumerate(self.items.forms, 1)
                       for message in _form_messages(form)]
        if not item_errors and not self.item_specs:
            item_errors.append("Add at least one product.")
        if item_errors:
            errors["items"] = item_errors
        material_errors = [f"Row {index}: {message}" for index, form in enumerate(self.materials.forms, 1)
                           for message in _form_messages(form)]
        chosen = [form.cleaned_data["spool"].pk for form in self.materials.forms
                  if form.is_valid() and form.cleaned_data.get("spool")]
        for spool_id in sorted({pk for pk in chosen if chosen.count(pk) > 1}):
            material_errors.append(f"Spool #{spool_id} is chosen twice; a spool is listed once per run.")
        if material_errors:
            errors["materials"] = material_errors
        self.errors = errors
        return errors

    def run_arguments(self) -> dict[str, Any]:
        """Keyword arguments for ``production_run_create`` / ``job_start`` (call ``validate`` first)."""
        basics = self.basics.cleaned_data
        arguments: dict[str, Any] = {
            "started_at": basics.get("started_at"), "workstation": basics.get("workstation"),
            "printer_name": basics.get("printer_name") or "", "slicer": basics.get("slicer") or "",
            "estimated_duration_s": basics.get("estimated_duration_s"), "bed_temp_c": basics.get("bed_temp_c"),
            "nozzle_temp_c": basics.get("nozzle_temp_c"), "notes": basics.get("notes") or "",
            "gcode_filename": self.draft.gcode["file_name"] if self.draft.gcode else "",
            "gcode_estimate": self.draft.gcode["estimate"] if self.draft.gcode else None,
            "materials": [MaterialSpec(spool=form.cleaned_data["spool"],
                                       estimated_weight_g=form.cleaned_data.get("estimated_weight_g"),
                                       estimated_purge_g=form.cleaned_data.get("estimated_purge_g") or ZERO)
                          for form in self.materials.forms if form.cleaned_data.get("spool")],
        }
        if self.job is None:
            arguments["location"] = basics.get("location")
            arguments["items"] = [ItemSpec(product=form.cleaned_data["product"],
                                           quantity=form.cleaned_data["quantity"],
                                           bed_position=form.cleaned_data.get("bed_position") or "")
                                  for form in self.items.forms if form.cleaned_data.get("product")]
        return arguments


def _form_messages(form: forms.BaseForm) -> list[str]:
    """A form's errors as sentences naming their field."""
    messages = []
    for name, errors in form.errors.items():
        label = form.fields[name].label or name.replace("_", " ").capitalize() if name in form.fields else ""
        messages.extend(f"{label}: {error}" if label else error for error in errors)
    return messages
