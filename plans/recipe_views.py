"""Recipe pages: ``/recipes/`` (search, product filter), the editor ``/recipes/new/`` and
``/recipes/<id>/`` (its fields and its input rows: filament in grams per plate, parts in pieces
per plate), delete, and create or update from a dropped G-code / sliced 3MF file.

The editor is one form posted whole. Its buttons say what to do (``action``): ``save``,
``add_materials`` / ``add_parts`` (one more empty row), ``remove_<group>_<n>`` (drop that row),
``gcode_upload`` (read a file into the recipe with ``recipe_from_gcode``). Adding and removing a
row only re-renders the form with the user's input kept; nothing is written until Save. Rows
are ``<group>-<n>-item_type`` / ``<group>-<n>-quantity`` with ``<group>-count``; a row left
empty is ignored. Viewers and operators read; managers write (POST needs the manager role).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from inventory import gcode_match
from inventory.models import ItemType
from plans import selectors, services
from plans.forms import RecipeFilterForm, RecipeForm, RecipeGcodeForm, RecipeInputRowForm
from plans.models import Recipe
from plans.templatetags.plans_tags import duration
from prodtrack.exceptions import ApplicationError, ValidationError
from prodtrack.models import Role
from prodtrack.pages import button_action, filtered, found, paginate, render_page
from prodtrack.tenancy import role_required

MAX_ROWS = 50
GROUPS = (("materials", "g"), ("parts", "pcs"))
INPUT_FIELD = re.compile(r"^inputs\[(\d+)\]\.(item_type|quantity)$")
REMOVE = re.compile(r"^remove_(materials|parts)_(\d+)$")


def _can_edit(request: HttpRequest) -> bool:
    return bool(request.membership and request.membership.has_role(Role.MANAGER))


# --- the list --------------------------------------------------------------------------------------

@role_required(Role.VIEWER)
def recipe_list(request: HttpRequest) -> HttpResponse:
    """Recipes by name with their product, pieces and print time per plate and their inputs."""
    form = RecipeFilterForm(request.GET, tenant=request.tenant)
    rows = filtered(form, lambda: selectors.recipe_list(tenant=request.tenant, filters=request.GET))
    return render_page(request, "plans/recipe_list.html", {"form": form, "page": paginate(request, rows)})


# --- the editor -------------------------------------------------------------------------------------

@dataclass
class InputGroup:
    """The rows of one kind of input: ``materials`` (grams per plate) or ``parts`` (pieces)."""

    name: str
    unit: str
    rows: list[RecipeInputRowForm]

    @property
    def title(self) -> str:
        return "Filament" if self.name == "materials" else "Parts"


@dataclass
class Choices:
    """What the input rows offer, loaded once per page (2 queries)."""

    items: dict[int, ItemType]
    materials: list[Any]
    parts: list[Any]

    @classmethod
    def load(cls, request: HttpRequest) -> Choices:
        materials, parts = selectors.recipe_input_choices(tenant=request.tenant)
        stocked = [(item.pk, item.name) for item in materials if item.stocked]
        others = [(item.pk, item.name) for item in materials if not item.stocked]
        products = [(item.pk, item.name) for item in parts if item.kind == ItemType.Kind.PRODUCT]
        components = [(item.pk, item.name) for item in parts if item.kind == ItemType.Kind.COMPONENT]
        return cls(
            items={item.pk: item for item in [*materials, *parts]},
            materials=[("", "Choose a filament…"), *[(label, group) for label, group in (
                ("In stock", stocked), ("Other filaments", others)) if group]],
            parts=[("", "Choose a part…"), *[(label, group) for label, group in (
                ("Products (printed here)", products), ("Components (bought)", components)) if group]])


def _row_form(choices: Choices, group: str, unit: str, index: int, *, data: dict | None = None,
              initial: dict | None = None) -> RecipeInputRowForm:
    prefix = f"{group}-{index}"
    bound = None if data is None else {f"{prefix}-{name}": value for name, value in data.items()}
    return RecipeInputRowForm(bound, prefix=prefix, initial=initial, items=choices.items, unit=unit,
                              choices=choices.materials if group == "materials" else choices.parts)


def _posted_rows(post: Any, group: str) -> list[dict[str, str]]:
    try:
        count = max(0, min(int(post.get(f"{group}-count", 0)), MAX_ROWS))
    except ValueError:
        count = 0
    return [{"item_type": post.get(f"{group}-{i}-item_type", ""), "quantity": post.get(f"{group}-{i}-quantity", "")}
            for i in range(count)]


def _recipe_rows(recipe: Recipe | None, group: str) -> list[dict[str, Any]]:
    is_material = group == "materials"
    if recipe is None:
        return [{}] if is_material else []
    rows = [{"item_type": line.item_type_id, "quantity": f"{line.quantity.normalize():f}"} for line in recipe.inputs.all()
            if (line.item_type.kind == ItemType.Kind.MATERIAL) == is_material]
    return rows or ([{}] if is_material else [])


def _groups(choices: Choices, *, recipe: Recipe | None = None, post: Any = None, bound: bool = False,
            change: str = "") -> list[InputGroup]:
    """The input rows: the recipe's (GET), or the posted ones; bound (validated, errors shown) to
    save, else as initial values with ``change`` applied (a row added or removed)."""
    groups = []
    remove = REMOVE.match(change)
    for name, unit in GROUPS:
        values = _posted_rows(post, name) if post is not None else _recipe_rows(recipe, name)
        if bound:
            rows = [_row_form(choices, name, unit, i, data=value) for i, value in enumerate(values)]
        else:
            if change == f"add_{name}" and len(values) < MAX_ROWS:
                values.append({})
            if remove and remove.group(1) == name and int(remove.group(2)) < len(values):
                values.pop(int(remove.group(2)))
            rows = [_row_form(choices, name, unit, i, initial=value) for i, value in enumerate(values)]
        groups.append(InputGroup(name=name, unit=unit, rows=rows))
    return groups


def _input_specs(groups: list[InputGroup]) -> tuple[list[services.InputSpec], list[RecipeInputRowForm]] | None:
    """The inputs of valid, non-empty rows with the row each came from; None when a row is invalid."""
    specs, sources = [], []
    valid = True
    for group in groups:
        for row in group.rows:
            if not row.is_valid():
                valid = False
            elif not row.cleaned_data.get("empty"):
                specs.append(services.InputSpec(item_type=row.cleaned_data["item_type"],
                                                quantity=row.cleaned_data["quantity"]))
                sources.append(row)
    return (specs, sources) if valid else None


def _show_error(error: ApplicationError, form: RecipeForm, sources: list[RecipeInputRowForm]) -> None:
    """A service error next to its field: ``inputs[n].<field>`` on the row it came from."""
    if not isinstance(error, ValidationError):
        form.add_application_error(error)
        return
    rest: dict[str, list[str]] = {}
    for name, texts in error.fields.items():
        match = INPUT_FIELD.match(name)
        if match and int(match.group(1)) < len(sources):
            for text in texts:
                sources[int(match.group(1))].add_error(match.group(2), text[:1].upper() + text[1:])
        else:
            rest[name] = texts
    if rest:
        form.add_application_error(ValidationError(error.message, fields=rest))


def _editor(request: HttpRequest, recipe: Recipe | None, *, form: RecipeForm, groups: list[InputGroup],
            gcode_error: str | None = None, status: int = 200) -> HttpResponse:
    return render(request, "plans/recipe_detail.html", {
        "recipe": recipe, "form": form, "groups": groups, "gcode_form": RecipeGcodeForm(),
        "gcode_error": gcode_error, "editable": _can_edit(request),
        "plans_using": list(selectors.recipe_plans(recipe=recipe)[:10]) if recipe else [],
    }, status=status)


def _initial_product(request: HttpRequest) -> dict[str, Any]:
    """``?product=<id>`` of the tenant's products preselects it and names the recipe after it."""
    try:
        pk = int(request.GET.get("product", ""))
    except ValueError:
        return {}
    product = ItemType.objects.for_tenant(request.tenant).filter(kind=ItemType.Kind.PRODUCT, pk=pk).first()
    return {"product": product.pk, "name": product.name} if product else {}


def recipe_create(request: HttpRequest) -> HttpResponse:
    """A new recipe (GET for anyone who reads; POST for managers)."""
    return _save(request, None) if request.method == "POST" else _show_new(request)


@role_required(Role.MANAGER)
def _show_new(request: HttpRequest) -> HttpResponse:
    form = RecipeForm(tenant=request.tenant, initial={"output_quantity": 1, "is_active": True,
                                                       **_initial_product(request)})
    return _editor(request, None, form=form, groups=_groups(Choices.load(request)))


def recipe_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One recipe: its editor for managers, read-only for everyone else."""
    return _save(request, pk) if request.method == "POST" else _show(request, pk)


def _recipe(request: HttpRequest, pk: int) -> Recipe:
    return found(selectors.recipe_get, tenant=request.tenant, pk=pk)


@role_required(Role.VIEWER)
def _show(request: HttpRequest, pk: int) -> HttpResponse:
    recipe = _recipe(request, pk)
    if not _can_edit(request):
        return _editor(request, recipe, form=RecipeForm(tenant=request.tenant, obj=recipe), groups=[])
    return _editor(request, recipe, form=RecipeForm(tenant=request.tenant, obj=recipe),
                   groups=_groups(Choices.load(request), recipe=recipe))


@role_required(Role.MANAGER)
def _save(request: HttpRequest, pk: int | None) -> HttpResponse:
    """Save, add or remove a row, or read a G-code file (``action``)."""
    recipe = _recipe(request, pk) if pk is not None else None
    form = RecipeForm(request.POST, tenant=request.tenant, obj=recipe)
    choices = Choices.load(request)
    action = request.POST.get("action", "save")
    if action == "gcode_upload":
        return _gcode(request, recipe, choices)
    if action != "save":
        return _editor(request, recipe, form=_unbound(request, recipe),
                       groups=_groups(choices, post=request.POST, change=action))
    groups = _groups(choices, post=request.POST, bound=True)
    parsed = _input_specs(groups)
    if not form.is_valid() or parsed is None:
        return _editor(request, recipe, form=form, groups=groups, status=400)
    specs, sources = parsed
    try:
        if recipe is None:
            saved = services.recipe_create(tenant=request.tenant, inputs=specs, **form.cleaned_data)
        else:
            saved = services.recipe_update(recipe=recipe, data=form.cleaned_data, inputs=specs)
    except ApplicationError as error:
        _show_error(error, form, sources)
        return _editor(request, recipe, form=form, groups=groups, status=error.http_status)
    messages.success(request, f"Recipe {saved.name} saved.")
    return redirect("plans:recipe-detail", pk=saved.pk)


def _unbound(request: HttpRequest, recipe: Recipe | None) -> RecipeForm:
    """The recipe fields as typed, without errors (adding or removing a row judges nothing yet)."""
    fields = RecipeForm.Meta.fields
    typed = {name: request.POST.get(name) for name in fields if name in request.POST}
    typed["is_active"] = "is_active" in request.POST
    return RecipeForm(tenant=request.tenant, initial=typed)


def _gcode(request: HttpRequest, recipe: Recipe | None, choices: Choices) -> HttpResponse:
    """Create (or update) the recipe from a sliced file: pieces, print time and grams per filament
    (``recipe_from_gcode``; each filament takes its best matching material). Updating keeps the
    recipe's parts and name."""
    groups = _groups(choices, post=request.POST)
    upload = request.FILES.get("gcode")
    if upload is None:
        return _editor(request, recipe, form=_unbound(request, recipe), groups=groups, status=400,
                       gcode_error="Choose a G-code file (.gcode or a sliced .3mf) first.")
    product = recipe.product if recipe else None
    if product is None:
        pk = request.POST.get("product", "")
        product = (ItemType.objects.for_tenant(request.tenant).filter(kind=ItemType.Kind.PRODUCT, pk=pk).first()
                   if pk.isdigit() else None)
    if product is None:
        return _editor(request, recipe, form=_unbound(request, recipe), groups=groups, status=400,
                       gcode_error="Choose the product first (above), then drop the file again.")
    try:
        estimate = gcode_match.gcode_upload_parse(upload=upload, field="gcode")
        materials = gcode_match.gcode_filament_materials(tenant=request.tenant, estimate=estimate, chosen={})
        saved = services.recipe_from_gcode(tenant=request.tenant, product=product, estimate=estimate,
                                           materials=materials, recipe=recipe,
                                           name=request.POST.get("name", "").strip())
    except ApplicationError as error:
        return _editor(request, recipe, form=_unbound(request, recipe), groups=groups, status=error.http_status,
                       gcode_error=_gcode_message(error))
    grams = sum(line.quantity for line in saved.inputs.all() if line.item_type.kind == ItemType.Kind.MATERIAL)
    messages.success(request, f"Read {upload.name}: {saved.output_quantity} per plate, "
                              f"{duration(saved.duration_s)}, {grams.normalize():f} g of filament. "
                              f"Recipe {saved.name} saved; check it below.")
    return redirect("plans:recipe-detail", pk=saved.pk)


def _gcode_message(error: ApplicationError) -> str:
    """A file's problem in the shop's words (a filament with no material says which to add)."""
    if isinstance(error, ValidationError):
        for name, texts in error.fields.items():
            if name.startswith("materials."):
                return (f"The file's {texts[0].removeprefix('choose the material item type of ')} has no matching "
                        f"filament in your items. Add that filament as an item first, then drop the file again.")
            if name == "gcode":
                return texts[0]
            return f"{name.replace('_', ' ').capitalize()}: {texts[0]}"
    return error.message


# --- delete -----------------------------------------------------------------------------------------

@require_POST
@role_required(Role.MANAGER)
def recipe_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a recipe (refused while jobs use it; the message says so)."""
    recipe = _recipe(request, pk)
    name = recipe.name
    return button_action(request, lambda: services.recipe_delete(recipe=recipe) or recipe,
                         done=lambda _: f"Recipe {name} deleted.",
                         back=reverse("plans:recipe-detail", args=[pk]),
                         success_url=lambda _: reverse("plans:recipe-list"))


# --- the product page's "Recipe" tab ----------------------------------------------------------------

def product_recipes_tab(request: HttpRequest, product: ItemType) -> dict[str, Any]:
    """A product's recipes (the one used first at the top) with their inputs: 3 queries."""
    return {"recipes": selectors.product_recipes(tenant=request.tenant, product=product), "product": product}
