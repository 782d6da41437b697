"""Inventory pages: thin views — parse a form, call one selector or service, render.

The page mechanics (partials for HTMX, pagination, submitting a form to a service, 404s) are
in ``prodtrack.pages``.
"""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from inventory import selectors, services, tabs
from inventory.forms import (
    ItemTypeFilterForm,
    ItemTypeForm,
    LedgerFilterForm,
    LocationFilterForm,
    LocationForm,
    NoteForm,
    SpoolFilterForm,
    SpoolReceiveForm,
    SpoolWeighForm,
    StockAdjustForm,
    StockFilterForm,
    StockMoveForm,
    StockShipForm,
    StockTransferForm,
    WorkstationFilterForm,
    WorkstationForm,
)
from inventory.labels import LABELS_MAX, qr_svg
from inventory.models import ItemType, Location, Spool, Workstation
from inventory.tabs import DetailTab
from prodtrack.forms import PageForm
from prodtrack.models import Role
from prodtrack.pages import filtered, form_page, found, next_url, paginate, render_page, submit, wants_partial
from prodtrack.tenancy import get_for_tenant, role_required

T = TypeVar("T")


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _tenant_object(model: type[T], request: HttpRequest, pk: int) -> T:
    return found(get_for_tenant, queryset=model, tenant=request.tenant, pk=pk)


# --- item types ------------------------------------------------------------------------------

@role_required(Role.VIEWER)
def item_list(request: HttpRequest) -> HttpResponse:
    """Item types, products first: search, kind filter, catalog filaments never received only on
    request (``catalog``), sort by name/SKU/kind/cost."""
    form = ItemTypeFilterForm(request.GET, tenant=request.tenant)
    filters = request.GET.copy()
    filters["catalog"] = filters.get("catalog") or "hide"      # the farm's own items first; the catalog on demand
    rows = filtered(form, lambda: selectors.item_type_list(tenant=request.tenant, filters=filters))
    return render_page(request, "inventory/item_list.html", {"form": form, "page": paginate(request, rows)})


def _tabbed_page(request: HttpRequest, template: str, page: str, obj: Any, own: list[DetailTab],
                 context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """A detail page with tabs (``inventory.tabs``): ``?tab=`` picks the tab, whose context is the
    only one computed; an HTMX request (switching tabs, paging a tab) gets the ``results`` partial:
    the tab bar and the chosen panel. The tab links go to the page's own URL (not the URL of a
    refused POST that re-renders the page)."""
    tab_list = tabs.detail_tabs(page, obj, own=own)
    tab = tabs.choose_tab(tab_list, request.GET.get("tab"))
    return render_page(request, template, {
        **context, "tabs": tab_list, "tab": tab, "tab_url": reverse(f"inventory:{page}-detail", args=[obj.pk]),
        **tab.context(request, obj)}, status=status)


def _item_overview(request: HttpRequest, item_type: ItemType) -> dict[str, Any]:
    balances = selectors.item_stock(tenant=request.tenant, item_type=item_type)
    return {"balances": balances, "on_hand": sum((balance.quantity for balance in balances), Decimal("0"))}


ITEM_OVERVIEW = DetailTab(key="overview", label="Overview", template="inventory/_item_overview.html",
                          context=_item_overview)


@role_required(Role.VIEWER)
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One item: its facts and stock on hand per location, plus the tabs other apps add (a
    product's production history)."""
    item_type = found(selectors.item_type_get, tenant=request.tenant, pk=pk)
    return _tabbed_page(request, "inventory/item_detail.html", "item", item_type, [ITEM_OVERVIEW],
                        {"item_type": item_type})


@role_required(Role.MANAGER)
def item_create(request: HttpRequest) -> HttpResponse:
    """Create an item type (``item_type_create``)."""
    form = ItemTypeForm(_posted(request), initial={"kind": ItemType.Kind.MATERIAL, "is_active": True})
    return form_page(request, form, lambda: services.item_type_create(tenant=request.tenant, **form.create_values()),
                     template="inventory/item_form.html", done=lambda item: f"{item.name} created.",
                     success_url=reverse("inventory:item-list"))


@role_required(Role.MANAGER)
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit an item type (``item_type_update`` with the changed fields)."""
    item_type = _tenant_object(ItemType, request, pk)
    form = ItemTypeForm(_posted(request), obj=item_type)
    return form_page(request, form, lambda: services.item_type_update(item_type=item_type, data=form.changed_values()),
                     template="inventory/item_form.html", done=lambda item: f"{item.name} saved.",
                     success_url=reverse("inventory:item-list"), context={"item_type": item_type})


# --- spools ----------------------------------------------------------------------------------

@role_required(Role.VIEWER)
def spool_list(request: HttpRequest) -> HttpResponse:
    """Spools with material swatch and remaining weight; filter by status, location, material."""
    form = SpoolFilterForm(request.GET, tenant=request.tenant)
    rows = filtered(form, lambda: selectors.spool_list(tenant=request.tenant, filters=request.GET))
    return render_page(request, "inventory/spool_list.html", {"form": form, "page": paginate(request, rows)})


@role_required(Role.OPERATOR)
def spool_receive(request: HttpRequest) -> HttpResponse:
    """Receive a spool of a material picked from the catalog search (``spool_receive``)."""
    form = SpoolReceiveForm(_posted(request), tenant=request.tenant)
    spool, status = submit(request, form, lambda: services.spool_receive(
        tenant=request.tenant, by=request.user, **form.service_values()))
    if spool is not None:
        messages.success(request, f"Spool #{spool.pk} received: {spool.initial_weight_g:,.0f} g of "
                                  f"{spool.item_type.name}.")
        if not spool.cost:
            messages.warning(request, f"Spool #{spool.pk} has no cost: runs that print with it count its filament "
                                      f"as free. {spool.item_type.name} has no price per gram either; give it one "
                                      f"on its item page (Edit → Unit cost), or type the cost when you receive a spool.")
        return redirect("inventory:spool-detail", pk=spool.pk)
    return render(request, "inventory/spool_receive.html", {"form": form}, status=status)


@role_required(Role.VIEWER)
def material_search(request: HttpRequest) -> HttpResponse:
    """Catalog matches for the receive form's search box (an HTMX fragment)."""
    query = request.GET.get("q", "").strip()
    matches = selectors.material_search(tenant=request.tenant, query=query)
    return render(request, "inventory/spool_receive.html#matches", {"query": query, "matches": matches})


def _spool_ledger(request: HttpRequest, spool: Spool) -> dict[str, Any]:
    return {"page": paginate(request, selectors.transaction_list(tenant=request.tenant, filters={"spool": spool.pk}))}


SPOOL_LEDGER = DetailTab(key="ledger", label="Ledger", template="inventory/_spool_ledger.html", context=_spool_ledger)


def _spool_page(request: HttpRequest, spool: Spool, *, weigh_form: SpoolWeighForm | None = None,
                action_form: PageForm | None = None, status: int = 200) -> HttpResponse:
    """The spool detail page (also re-rendered with the errors of a refused action)."""
    return _tabbed_page(request, "inventory/spool_detail.html", "spool", spool, [SPOOL_LEDGER], {
        "spool": spool, "weigh_form": weigh_form or SpoolWeighForm(spool=spool), "action_form": action_form,
    }, status=status)


@role_required(Role.VIEWER)
def spool_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One spool: swatch, remaining weight, actions, and tabs: its ledger rows, plus the tabs other
    apps add (the production runs that used it)."""
    return _spool_page(request, found(selectors.spool_get, tenant=request.tenant, pk=pk))


@require_POST
@role_required(Role.OPERATOR)
def spool_weigh(request: HttpRequest, pk: int) -> HttpResponse:
    """Weigh a spool: the books follow the scale (``spool_adjust`` with the gross weight)."""
    spool = found(selectors.spool_get, tenant=request.tenant, pk=pk)
    form = SpoolWeighForm(request.POST, spool=spool)
    weighed, status = submit(request, form, lambda: services.spool_adjust(spool=spool, by=request.user,
                                                                          **form.cleaned_data))
    if weighed is None:
        return _spool_page(request, spool, weigh_form=form, status=status)
    change = weighed.current_weight_g - spool.current_weight_g
    messages.success(request, f"Spool #{spool.pk} weighed: {weighed.current_weight_g:,.0f} g net "
                              f"({change:+,.0f} g).")
    return redirect("inventory:spool-detail", pk=spool.pk)


def _spool_action(request: HttpRequest, pk: int, action: Callable[..., Spool], done: str) -> HttpResponse:
    spool = found(selectors.spool_get, tenant=request.tenant, pk=pk)
    form = PageForm(request.POST)  # no fields: it carries the service's refusal back to the page
    result, status = submit(request, form, lambda: action(spool=spool, by=request.user))
    if result is None:
        return _spool_page(request, spool, action_form=form, status=status)
    messages.success(request, f"Spool #{spool.pk} {done}.")
    return redirect("inventory:spool-detail", pk=spool.pk)


@require_POST
@role_required(Role.OPERATOR)
def spool_mark_empty(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a spool empty; what the books still hold is written off (``spool_mark_empty``)."""
    return _spool_action(request, pk, services.spool_mark_empty, "marked empty")


@require_POST
@role_required(Role.OPERATOR)
def spool_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """Archive a spool (``spool_archive``)."""
    return _spool_action(request, pk, services.spool_archive, "archived")


# --- ledger and stock ------------------------------------------------------------------------

@role_required(Role.VIEWER)
def ledger(request: HttpRequest) -> HttpResponse:
    """The inventory ledger, newest first, with links to each row's source document."""
    form = LedgerFilterForm(request.GET, tenant=request.tenant)
    rows = filtered(form, lambda: selectors.transaction_list(tenant=request.tenant, filters=request.GET))
    return render_page(request, "inventory/ledger.html", {"form": form, "page": paginate(request, rows)})


@role_required(Role.MANAGER)
def ledger_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    """Reverse one ledger row (``inventory_transaction_reverse``); GET shows the confirmation."""
    row = found(get_for_tenant, queryset=selectors.transaction_list(tenant=request.tenant), tenant=request.tenant,
                pk=pk)
    form = NoteForm(_posted(request))
    reversal, status = submit(request, form, lambda: services.inventory_transaction_reverse(
        transaction_row=row, by=request.user, **form.cleaned_data))
    if reversal is not None:
        messages.success(request, f"Transaction #{row.pk} reversed by #{reversal.pk}.")
        return redirect(next_url(request, "inventory:ledger"))
    return render(request, "inventory/ledger_reverse.html",
                  {"row": row, "rows": [row], "form": form, "next": next_url(request, "")}, status=status)


@role_required(Role.VIEWER)
def stock(request: HttpRequest) -> HttpResponse:
    """Stock on hand per item and location; the full page adds grams of filament per material."""
    form = StockFilterForm(request.GET, tenant=request.tenant)
    rows = filtered(form, lambda: selectors.stock_list(tenant=request.tenant, filters=request.GET))
    context = {"form": form, "page": paginate(request, rows)}
    if not wants_partial(request):
        context["filament"] = selectors.filament_on_hand(tenant=request.tenant)
        context["filament_chart"] = selectors.filament_on_hand_chart(context["filament"])
    return render_page(request, "inventory/stock.html", context)


# --- stock moves of one product or component ----------------------------------------------------

def _back_url(request: HttpRequest, default: str) -> str:
    """Where a stock move returns: its ``next`` (the stock page or the item page it was opened
    from) when that points into this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def _stock_move(request: HttpRequest, pk: int, form_class: type[StockMoveForm], move: str,
                save: Callable[[ItemType, StockMoveForm], Any], done: Callable[[ItemType, StockMoveForm], str],
                ) -> HttpResponse:
    """A stock move page of one item (adjust, transfer, ship): GET shows the form, the source
    location preselected from ``?location=``; a change of the source (HTMX) re-renders only the
    on-hand beside the quantity; POST calls the service through ``save`` and returns to ``next``
    with the new balances, or shows the refusal next to the field (nothing written)."""
    item_type = found(selectors.item_type_get, tenant=request.tenant, pk=pk)
    on_hand = {balance.location_id: balance.quantity
               for balance in selectors.item_stock(tenant=request.tenant, item_type=item_type)}
    kwargs = {"tenant": request.tenant, "item_type": item_type, "on_hand": on_hand}
    if request.method == "POST":
        form = form_class(request.POST, **kwargs)
    else:
        form = form_class(initial={form_class.source_field: request.GET.get(form_class.source_field)
                                   or request.GET.get("location")}, **kwargs)
    back = _back_url(request, reverse("inventory:item-detail", args=[item_type.pk]))
    result, status = submit(request, form, lambda: save(item_type, form))
    if result is not None:
        messages.success(request, done(item_type, form))
        return redirect(back)
    return render_page(request, "inventory/stock_move.html", {
        "form": form, "item_type": item_type, "move": move, "back": back,
        "action_url": request.path}, partial="on-hand", status=status)


def _amount(form: StockMoveForm) -> str:
    return f"{form.cleaned_data['quantity'].normalize():,f} {form.item_type.unit} of {form.item_type.name}"


@role_required(Role.MANAGER)
def stock_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct an item's count at a location, with the reason (``stock_adjust``). Managers."""
    return _stock_move(request, pk, StockAdjustForm, "adjust", lambda item, form: services.stock_adjust(
        tenant=request.tenant, by=request.user, item_type=item, **form.service_values()),
        done=lambda item, form: f"Count of {item.name} at {form.cleaned_data['location'].name} changed by "
                                f"{form.cleaned_data['quantity'].normalize():+,f} {item.unit}.")


@role_required(Role.OPERATOR)
def stock_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """Move an item between two locations (``stock_transfer``). Operators and managers."""
    return _stock_move(request, pk, StockTransferForm, "transfer", lambda item, form: services.stock_transfer(
        tenant=request.tenant, by=request.user, **form.service_values()),
        done=lambda item, form: f"Moved {_amount(form)} from {form.cleaned_data['origin'].name} to "
                                f"{form.cleaned_data['destination'].name}.")


@role_required(Role.OPERATOR)
def stock_ship(request: HttpRequest, pk: int) -> HttpResponse:
    """Ship an item to a customer from a location (``stock_ship``). Operators and managers."""
    return _stock_move(request, pk, StockShipForm, "ship", lambda item, form: services.stock_ship(
        tenant=request.tenant, by=request.user, **form.service_values()),
        done=lambda item, form: f"Shipped {_amount(form)} from {form.cleaned_data['location'].name}"
                                + (f" to {form.cleaned_data['customer']}." if form.cleaned_data["customer"] else "."))


# --- locations and workstations ------------------------------------------------------------------

@role_required(Role.VIEWER)
def location_list(request: HttpRequest) -> HttpResponse:
    """Locations where stock sits."""
    form = LocationFilterForm(request.GET, tenant=request.tenant)
    rows = filtered(form, lambda: selectors.location_list(tenant=request.tenant, filters=request.GET))
    return render_page(request, "inventory/location_list.html", {"form": form, "page": paginate(request, rows)})


@role_required(Role.MANAGER)
def location_create(request: HttpRequest) -> HttpResponse:
    """Create a location (``location_create``)."""
    form = LocationForm(_posted(request))
    return form_page(request, form, lambda: services.location_create(tenant=request.tenant, **form.cleaned_data),
                     template="inventory/location_form.html", done=lambda saved: f"Location {saved.name} created.",
                     success_url=reverse("inventory:location-list"))


@role_required(Role.MANAGER)
def location_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename or re-kind a location (``location_update``)."""
    location = _tenant_object(Location, request, pk)
    form = LocationForm(_posted(request), obj=location)
    return form_page(request, form, lambda: services.location_update(location=location, data=form.changed_values()),
                     template="inventory/location_form.html", done=lambda saved: f"Location {saved.name} saved.",
                     success_url=reverse("inventory:location-list"), context={"location": location})


@role_required(Role.VIEWER)
def workstation_list(request: HttpRequest) -> HttpResponse:
    """Workstations (printers, benches) with their location."""
    form = WorkstationFilterForm(request.GET, tenant=request.tenant)
    rows = filtered(form, lambda: selectors.workstation_list(tenant=request.tenant, filters=request.GET))
    return render_page(request, "inventory/workstation_list.html", {"form": form, "page": paginate(request, rows)})


@role_required(Role.MANAGER)
def workstation_create(request: HttpRequest) -> HttpResponse:
    """Create a workstation (``workstation_create``)."""
    form = WorkstationForm(_posted(request), tenant=request.tenant, initial={"is_active": True})
    return form_page(request, form, lambda: services.workstation_create(tenant=request.tenant, **form.cleaned_data),
                     template="inventory/workstation_form.html",
                     done=lambda saved: f"Workstation {saved.name} created.",
                     success_url=reverse("inventory:workstation-list"))


@role_required(Role.MANAGER)
def workstation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a workstation (``workstation_update``)."""
    workstation = _tenant_object(Workstation, request, pk)
    form = WorkstationForm(_posted(request), tenant=request.tenant, obj=workstation)
    return form_page(request, form, lambda: services.workstation_update(
        workstation=workstation, data=form.changed_values()),
        template="inventory/workstation_form.html", done=lambda saved: f"Workstation {saved.name} saved.",
        success_url=reverse("inventory:workstation-list"), context={"workstation": workstation})


# --- spool labels ----------------------------------------------------------------------------

def _labels_page(request: HttpRequest, spools: list[Spool], matched: int, back_url: str) -> HttpResponse:
    labels = [{"spool": spool, "url": request.build_absolute_uri(reverse("inventory:spool-detail", args=[spool.pk]))}
              for spool in spools]
    for label in labels:
        label["qr"] = qr_svg(label["url"])
    return render(request, "inventory/spool_labels.html", {
        "labels": labels, "matched": matched, "limit": LABELS_MAX,
        "back_url": back_url})


@require_GET
@role_required(Role.VIEWER)
def spool_label(request: HttpRequest, pk: int) -> HttpResponse:
    """One spool's printable label: QR code to its page, material, colour, weight, lot."""
    return _labels_page(request, [found(selectors.spool_get, tenant=request.tenant, pk=pk)], 1,
                        reverse("inventory:spool-detail", args=[pk]))


@require_GET
@role_required(Role.VIEWER)
def spool_labels(request: HttpRequest) -> HttpResponse:
    """A sheet of labels: the spools ticked in the list (``?ticked=1&id=…``, 404 when one is not
    the tenant's; none ticked, none printed), else every spool the list's filters match (the first
    ``LABELS_MAX``)."""
    raw = request.GET.getlist("id")
    ticked = bool(raw) or "ticked" in request.GET        # the list's "For the ticked spools", maybe none ticked
    ids = [int(value) for value in raw if value.isdigit()] if ticked else None
    if ticked and len(ids) != len(raw):
        ids.append(0)                                     # not a spool id: not found
    spools, matched = found(selectors.spool_labels, tenant=request.tenant, ids=ids,
                            filters=None if ticked else request.GET, limit=LABELS_MAX)
    filters = request.GET.copy()
    filters.pop("id", None)
    filters.pop("ticked", None)
    back = reverse("inventory:spool-list") + (f"?{filters.urlencode()}" if filters else "")
    return _labels_page(request, spools, matched, back)
