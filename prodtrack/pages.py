"""Helpers of every app's HTMX pages: partial rendering, pagination, form submission, 404s.

Lists keep filters, search, sort and page in the query string; an HTMX request gets only the
``results`` partial of the same template, so a full load of the pushed URL renders the same
state. Writes are plain POST forms that redirect on success and come back with the errors on
the form (400, or the service error's status) otherwise.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

from prodtrack.exceptions import ApplicationError, NotFoundError
from prodtrack.forms import FilterForm, PageForm

PAGE_SIZE = 25
T = TypeVar("T")


def wants_partial(request: HttpRequest) -> bool:
    """An HTMX request for a fragment (a history restore after a cache miss needs the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def render_page(request: HttpRequest, template: str, context: dict[str, Any], *, partial: str = "results",
                status: int = 200) -> HttpResponse:
    """Render ``template``, or only its ``partial`` for an HTMX request (not for a history restore).

    The response varies on ``HX-Request`` so a browser never shows a cached partial as a page.
    """
    if wants_partial(request):
        template = f"{template}#{partial}"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def paginate(request: HttpRequest, rows: QuerySet | list) -> Page:
    """The ``?page=`` page of ``rows`` (out-of-range and junk page numbers fall back sensibly)."""
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def filtered(form: FilterForm, select: Callable[[], QuerySet]) -> QuerySet | list:
    """Rows from ``select()`` once the filter form is valid; invalid filters show on the form, no rows."""
    if not form.is_valid():
        return []
    try:
        return select()
    except ApplicationError as error:
        form.add_application_error(error)
        return []


def submit(request: HttpRequest, form: PageForm, save: Callable[[], T]) -> tuple[T | None, int]:
    """On POST, validate ``form`` and run ``save()`` (one service call).

    Returns ``(result, 200)`` on success; ``(None, status)`` with the errors on the form when the
    input is invalid (400) or the service refuses (its error's status); ``(None, 200)`` on GET.
    """
    if request.method != "POST":
        return None, 200
    if not form.is_valid():
        return None, 400
    try:
        return save(), 200
    except ApplicationError as error:
        form.add_application_error(error)
        return None, error.http_status


def button_action(request: HttpRequest, action: Callable[[], T], *, done: Callable[[T], str | tuple[int, str]],
                  back: str, success_url: Callable[[T], str] | None = None,
                  form: PageForm | None = None) -> HttpResponse:
    """A POST-only action button (cancel, delete, reprint, run now…): run ``action()`` (one
    service call) and redirect with the outcome as a flash message.

    Refused (the service's error, or ``form``'s own errors): each error flashed, back to ``back``.
    Done: ``done(result)`` flashed — a message, or ``(level, message)`` — then to
    ``success_url(result)``, else ``back``. ``form`` (default: a field-less PageForm) carries the
    button's fields.
    """
    form = form if form is not None else PageForm(request.POST)
    result, _ = submit(request, form, action)
    if result is None:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    outcome = done(result)
    level, text = outcome if isinstance(outcome, tuple) else (messages.SUCCESS, outcome)
    messages.add_message(request, level, text)
    return redirect(success_url(result) if success_url else back)


def found(get: Callable[..., T], /, **kwargs: Any) -> T:
    """Call a getter (``get_for_tenant``, ``selectors.spool_get``…); not found is the 404 page."""
    try:
        return get(**kwargs)
    except NotFoundError as error:
        raise Http404(error.message) from error


def next_url(request: HttpRequest, default: str) -> str:
    """The ``next`` field of a POST when it points into this site, else ``default``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def form_page(request: HttpRequest, form: PageForm, save: Callable[[], T], *, template: str,
              done: Callable[[T], str], success_url: str, context: dict[str, Any] | None = None) -> HttpResponse:
    """A create/edit page: on a successful POST flash ``done(result)`` and redirect to ``success_url``;
    otherwise (GET, or errors) render ``template`` with the form and ``context``."""
    result, status = submit(request, form, save)
    if result is not None:
        messages.success(request, done(result))
        return redirect(success_url)
    return render(request, template, {"form": form, **(context or {})}, status=status)
