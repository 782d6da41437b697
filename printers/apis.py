"""prodtrack's Spoolman-compatible API (DESIGN §7): ``/spoolman/<printer token>/api/v1/…``.

The token in the path gives the tenant and the printer (Moonraker sends no header). Answers and
errors are Spoolman's: a missing spool is 404 ``{"message": "No spool with ID 5 found."}``, a broken
rule 400 ``{"message": …}``, bad input 422 ``{"detail": [{"type", "loc", "msg", "input"}]}`` as
FastAPI writes it, an unknown or revoked token 404 ``{"detail": "Not Found"}`` like an unknown
route. Every write goes through the inventory and printers services, so it is in the ledger and
on prodtrack's pages. No drf-spectacular schema: the contract is Spoolman's own OpenAPI document.
"""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Case, Count, F, Max, Q, Sum, Value, When
from django.http import Http404, HttpResponse
from rest_framework import exceptions, serializers
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from inventory import services as inventory_services
from inventory.models import ItemType, Location, Manufacturer, Spool
from printers import selectors, services
from printers.spoolman import (
    ENTITY_TYPES,
    EXTRA_FIELD_KEY,
    EXTRA_FIELD_TYPES,
    SETTINGS,
    SortError,
    extra_field_json,
    extra_merged,
    filament_json,
    id_filter,
    order_by,
    spool_json,
    spoolman_time,
    text_filter,
    vendor_json,
)
from prodtrack.exceptions import ApplicationError, InUseError, NotFoundError

SPOOLMAN_VERSION = "0.26.0"
SPOOL_SORTS = {
    "id": "id", "registered": "received_at", "first_used": "first_used_at", "last_used": "last_used_at",
    "filament_id": "item_type_id", "filament.id": "item_type_id", "filament.name": "item_type__name",
    "filament.material": "item_type__material", "filament.vendor.name": "item_type__manufacturer",
    "initial_weight": "initial_weight_g", "remaining_weight": "current_weight_g", "spool_weight": "tare_weight_g",
    "used_weight": "used_weight", "price": "cost", "location": "location__name", "lot_nr": "lot_number",
    "archived": "archived",
}
FILAMENT_SORTS = {"id": "id", "registered": "created_at", "name": "name", "material": "material",
                  "vendor.name": "manufacturer", "price": "unit_cost", "weight": "net_weight_g",
                  "article_number": "sku", "density": "density_g_cm3", "diameter": "diameter_mm"}


def fastapi_error(loc: list, msg: str, kind: str, value: Any = None) -> Response:
    """422 in FastAPI's shape: ``{"detail": [{"type", "loc", "msg", "input"}]}``."""
    return Response({"detail": [{"type": kind, "loc": loc, "msg": msg, "input": value}]}, status=422)


class Body(serializers.Serializer):
    """Request bodies: DRF checks them, errors come back in FastAPI's 422 shape."""


class Number(serializers.FloatField):
    """A JSON number as clients send it (Moonraker: ``1363.1202887763536``), as a Decimal of at
    most 6 decimal places (exact sums from there on)."""

    def to_internal_value(self, data):
        return Decimal(repr(round(super().to_internal_value(data), 6)))


class JsonText(serializers.CharField):
    """An ``extra`` value: JSON text as a JSON string (a number or boolean is 422, as pydantic's
    ``str``), null to clear the field."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, allow_blank=True, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("Input should be a valid string")
        return data


def _extra_field() -> serializers.DictField:
    return serializers.DictField(child=JsonText(), required=False, allow_null=True)


class UseBody(Body):
    use_length = Number(required=False, allow_null=True)
    use_weight = Number(required=False, allow_null=True)


class MeasureBody(Body):
    weight = Number()


class SpoolBody(Body):
    """``POST /spool`` and ``PATCH /spool/{id}`` (Spoolman's SpoolParameters)."""

    filament_id = serializers.IntegerField()
    price = Number(required=False, allow_null=True, min_value=0)
    initial_weight = Number(required=False, allow_null=True, min_value=0)
    spool_weight = Number(required=False, allow_null=True, min_value=0)
    remaining_weight = Number(required=False, allow_null=True, min_value=0)
    used_weight = Number(required=False, allow_null=True, min_value=0)
    location = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=64)
    lot_nr = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=64)
    comment = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=1024)
    archived = serializers.BooleanField(required=False)
    extra = _extra_field()

    def validate(self, data):
        if data.get("remaining_weight") is not None and data.get("used_weight") is not None:
            raise ApplicationError("Only specify either remaining_weight or used_weight.")
        return data


class SpoolUpdateBody(SpoolBody):
    filament_id = serializers.IntegerField(required=False)


class SpoolmanApi(APIView):
    """Base of every Spoolman endpoint: no session, no CSRF, the tenant and printer from the token."""

    authentication_classes: list = []
    permission_classes: list = []
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    schema = None

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        token = selectors.printer_token_resolve(token=kwargs["token"])
        if token is None:
            raise Http404
        services.printer_token_seen(printer_token=token)
        request.printer_token, request.tenant = token, token.tenant

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, Http404):
            return Response({"detail": "Not Found"}, status=404)
        if isinstance(exc, ApplicationError):
            return Response({"message": exc.message}, status=exc.http_status)
        if isinstance(exc, exceptions.ParseError):
            return fastapi_error(["body", 0], "JSON decode error", "json_invalid")
        if isinstance(exc, exceptions.ValidationError):
            detail = exc.detail if isinstance(exc.detail, dict) else {"body": exc.detail}
            return Response({"detail": [{"type": "value_error", "loc": ["body", field], "msg": str(messages[0]),
                                         "input": self.request.data.get(field) if isinstance(self.request.data, dict)
                                         else None}
                                        for field, messages in detail.items()]}, status=422)
        if isinstance(exc, exceptions.MethodNotAllowed):
            return Response({"detail": "Method Not Allowed"}, status=405)
        return super().handle_exception(exc)

    def body(self, serializer_class: type[Body]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def vendors(self) -> dict[str, Manufacturer]:
        return selectors.vendors(tenant_id=self.request.tenant.pk)

    def spool(self, spool_id: int) -> Spool:
        """The tenant's spool in use (an archived one is gone, as a deleted Spoolman spool): 404
        ``No spool with ID … found.`` otherwise."""
        return selectors.spoolman_spool_get(tenant_id=self.request.tenant.pk, spool_id=spool_id)

    def spool_answer(self, spool: Spool) -> Response:
        """The spool as the service left it (with its material and location). Its feed event went
        out from the inventory's ``spools_changed`` signal (``printers.events``)."""
        if not (Spool.item_type.is_cached(spool) and Spool.location.is_cached(spool)):
            spool = Spool.objects.select_related("item_type", "location").get(pk=spool.pk)
        return Response(spool_json(spool, self.vendors()))

    def sorted_page(self, queryset, sorts: dict[str, str], shape) -> Response:
        """A list answer: ``queryset`` in the ``sort`` asked over ``sorts`` (400 for a bad item),
        the ``limit``/``offset`` page, each row through ``shape(row, vendors)``, and
        ``x-total-count``."""
        try:
            queryset = queryset.order_by(*order_by(self.request.query_params.get("sort"), sorts))
        except SortError as error:
            return Response({"message": str(error)}, status=400)
        page = self.page(queryset)
        if isinstance(page, Response):
            return page
        rows, total = page
        vendors = self.vendors()
        return self.listed([shape(row, vendors) for row in rows], total)

    def listed(self, rows: list, total: int) -> Response:
        return Response(rows, headers={"x-total-count": str(total)})

    def page(self, queryset) -> tuple[list, int] | Response:
        """``limit``/``offset`` as Spoolman reads them; the total before them."""
        params = self.request.query_params
        try:
            limit = int(params["limit"]) if params.get("limit") not in (None, "") else None
            offset = int(params.get("offset") or 0)
        except ValueError:
            return fastapi_error(["query", "limit"], "Input should be a valid integer, unable to parse string as an "
                                 "integer", "int_parsing", params.get("limit"))
        if limit is None:
            rows = list(queryset)
            return rows, len(rows)
        return list(queryset[offset:offset + limit]), queryset.count()


# --- misc -------------------------------------------------------------------------------------------

class InfoApi(SpoolmanApi):
    def get(self, request, token):
        return Response({"version": SPOOLMAN_VERSION, "debug_mode": settings.DEBUG, "automatic_backups": False,
                         "data_dir": "", "logs_dir": "", "backups_dir": "", "db_type": _db_type(),
                         "external_db_name": "", "git_commit": None, "build_date": None})


def _db_type() -> str:
    return "postgres" if connection.vendor == "postgresql" else connection.vendor


class HealthApi(SpoolmanApi):
    def get(self, request, token):
        return Response({"status": "healthy"})


class DistinctApi(SpoolmanApi):
    """``GET /material`` and friends: the distinct non-empty values, as a JSON array."""

    values: Any = None

    def get(self, request, token):
        return Response(sorted(set(self.values(request.tenant))))


def _materials(tenant):
    return ItemType.objects.for_tenant(tenant).filter(kind=ItemType.Kind.MATERIAL)


class MaterialApi(DistinctApi):
    values = staticmethod(lambda tenant: _materials(tenant).exclude(material="").values_list("material", flat=True))


class ArticleNumberApi(DistinctApi):
    values = staticmethod(lambda tenant: _materials(tenant).values_list("sku", flat=True))


class LotNumberApi(DistinctApi):
    values = staticmethod(lambda tenant: Spool.objects.for_tenant(tenant).exclude(lot_number="")
                          .values_list("lot_number", flat=True))


class LocationApi(DistinctApi):
    values = staticmethod(lambda tenant: Location.objects.for_tenant(tenant).values_list("name", flat=True))


# --- settings and extra fields ------------------------------------------------------------------------

def _setting(tenant, key: str, stored: dict[str, Any]) -> dict[str, Any]:
    """``{"value": <JSON text>, "is_set", "type"}``: what the tenant set (``stored``:
    ``selectors.spoolman_settings``), else Spoolman's default. ``currency`` is the tenant's own
    and so always set."""
    kind, default = SETTINGS[key]
    if key == "currency":
        return {"value": json.dumps(tenant.currency), "is_set": True, "type": kind}
    if key in stored:
        return {"value": json.dumps(stored[key]), "is_set": True, "type": kind}
    return {"value": json.dumps(default), "is_set": False, "type": kind}


class SettingListApi(SpoolmanApi):
    def get(self, request, token):
        stored = selectors.spoolman_settings(tenant_id=request.tenant.pk)
        return Response({key: _setting(request.tenant, key, stored) for key in SETTINGS})


class SettingDetailApi(SpoolmanApi):
    parser_classes: list = []          # the body is read raw: a JSON string holding JSON text

    def get(self, request, token, key):
        if key not in SETTINGS:
            raise NotFoundError(f"Setting {key} does not exist.")
        return Response(_setting(request.tenant, key, selectors.spoolman_settings(tenant_id=request.tenant.pk)))

    def post(self, request, token, key):
        """Set a setting: the body is a JSON string whose text is the new value as JSON
        (``"\"USD\""``); ``""``/``"null"`` (or no body, or ``null``) resets it to the default.
        A body not declared JSON is Spoolman's 415, one that is not a JSON string FastAPI's 422."""
        if key not in SETTINGS:
            raise NotFoundError(f"Setting {key} does not exist.")
        media_type = request.content_type.split(";")[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            return Response({"message": f"Unsupported content type {media_type!r}. The body of this endpoint must "
                                        f"be sent as application/json."}, status=415)
        raw = request.body.decode("utf-8", "replace").strip()
        try:
            text = json.loads(raw) if raw else None
        except ValueError:
            return fastapi_error(["body", 0], "JSON decode error", "json_invalid", {})
        if text is not None and not isinstance(text, str):
            return fastapi_error(["body"], "Input should be a valid string", "string_type", text)
        services.spoolman_setting_set(tenant=request.tenant, key=key, text=text)
        request.tenant.refresh_from_db(fields=["currency"])
        return Response(_setting(request.tenant, key, selectors.spoolman_settings(tenant_id=request.tenant.pk)))


class FieldBody(Body):
    """Spoolman's ExtraFieldParameters."""

    name = serializers.CharField(min_length=1, max_length=128, trim_whitespace=False)
    order = serializers.IntegerField(required=False, default=0)
    unit = serializers.CharField(required=False, allow_null=True, default=None, min_length=1, max_length=16,
                                 trim_whitespace=False)
    field_type = serializers.ChoiceField(choices=EXTRA_FIELD_TYPES)
    default_value = serializers.CharField(required=False, allow_null=True, default=None, allow_blank=True,
                                          trim_whitespace=False)
    choices = serializers.ListField(child=serializers.CharField(allow_blank=True, trim_whitespace=False),
                                    required=False, allow_null=True, default=None, min_length=1)
    multi_choice = serializers.BooleanField(required=False, allow_null=True, default=None)


class FieldApi(SpoolmanApi):
    """``/field/{entity_type}…``: the path is checked as FastAPI checks it (422)."""

    def path_error(self, entity_type: str, key: str | None = None) -> Response | None:
        if entity_type not in ENTITY_TYPES:
            return fastapi_error(["path", "entity_type"], "Input should be 'vendor', 'filament' or 'spool'", "enum",
                                 entity_type)
        if key is not None and len(key) > 64:
            return fastapi_error(["path", "key"], "String should have at most 64 characters", "string_too_long", key)
        if key is not None and not EXTRA_FIELD_KEY.match(key):
            return fastapi_error(["path", "key"], "String should match pattern '^[a-z0-9_]+$'",
                                 "string_pattern_mismatch", key)
        return None

    def fields(self, entity_type: str, fields: list[dict[str, Any]] | None = None) -> Response:
        if fields is None:
            fields = selectors.extra_fields(tenant_id=self.request.tenant.pk, entity_type=entity_type)
        return Response([extra_field_json(field) for field in fields])


class FieldListApi(FieldApi):
    def get(self, request, token, entity_type):
        """The entity type's extra fields, in the order they were defined (last changed last)."""
        return self.path_error(entity_type) or self.fields(entity_type)


class FieldDetailApi(FieldApi):
    def post(self, request, token, entity_type, key):
        """Add or change an extra field (Spoolman's rules, 400 with its message); answers the
        entity type's fields."""
        error = self.path_error(entity_type, key)
        if error:
            return error
        fields = services.extra_field_set(tenant=request.tenant, entity_type=entity_type, key=key,
                                          field=dict(self.body(FieldBody)))
        return self.fields(entity_type, fields)

    def delete(self, request, token, entity_type, key):
        """Remove an extra field and every value of it; answers the fields left."""
        error = self.path_error(entity_type, key)
        if error:
            return error
        return self.fields(entity_type, services.extra_field_delete(tenant=request.tenant, entity_type=entity_type,
                                                                    key=key))


class FieldValuesApi(FieldApi):
    def get(self, request, token, entity_type, key):
        """The distinct values the tenant's spools, filaments or vendors hold for the field."""
        error = self.path_error(entity_type, key)
        if error:
            return error
        if not any(field["key"] == key for field in selectors.extra_fields(tenant_id=request.tenant.pk,
                                                                             entity_type=entity_type)):
            raise NotFoundError(f"Extra field with key {key} does not exist for entity type {entity_type}")
        return Response(selectors.extra_field_values(tenant_id=request.tenant.pk, entity_type=entity_type, key=key))


class BackupApi(SpoolmanApi):
    def post(self, request, token):
        """Spoolman backs up only its own SQLite file; on any other database its ``/backup``
        answers this 500. prodtrack's data is in PostgreSQL, backed up by its database operator,
        and a printer's token must never reach a copy of every tenant's data: so the same 500."""
        return Response({"message": "Backup failed. See server logs for more information."}, status=500)


# --- spools -----------------------------------------------------------------------------------------

class SpoolListApi(SpoolmanApi):
    def post(self, request, token):
        """Register a spool: a receipt of its initial weight (default: the filament's full-spool
        weight) at ``location`` (a location name; default the printer's), then the weigh-in its
        ``remaining_weight`` or ``used_weight`` says."""
        body = self.body(SpoolBody)
        material = _materials(request.tenant).filter(pk=body["filament_id"]).first()
        if material is None:
            raise NotFoundError(f"No filament with ID {body['filament_id']} found.")
        spool = services.spool_register(printer_token=request.printer_token, material=material, **_spool_fields(body))
        return self.spool_answer(spool)

    def get(self, request, token):
        queryset = _filtered_spools(request)
        if isinstance(queryset, Response):
            return queryset
        return self.sorted_page(queryset.alias(**_spool_aliases()), SPOOL_SORTS, spool_json)


def _spools(request):
    """The tenant's spools with material and location; archived ones only with
    ``allow_archived`` (read as FastAPI reads a bool: true/1/yes/on)."""
    spools = Spool.objects.for_tenant(request.tenant).select_related("item_type", "location")
    if request.query_params.get("allow_archived", "false").lower() in ("true", "1", "yes", "on"):
        return spools
    return spools.exclude(status=Spool.Status.ARCHIVED)


def _filtered_spools(request):
    """The tenant's spools through Spoolman's spool filters (``allow_archived``, ``filament.*``,
    ``location``, ``lot_nr``); a 422 answer for a malformed id list."""
    params = request.query_params
    for name in ("filament.id", "filament.vendor.id", "filament_id", "vendor_id"):
        value = params.get(name)
        if value and not _is_id_list(value):
            return fastapi_error(["query", name], "String should match pattern '^-?\\d+(,-?\\d+)*$'",
                                 "string_pattern_mismatch", value)
    queryset = _spools(request)
    return queryset.filter(
        text_filter("item_type__name", _param(params, "filament.name", "filament_name"))
        & id_filter("item_type_id", _param(params, "filament.id", "filament_id"))
        & text_filter("item_type__material", _param(params, "filament.material", "filament_material"))
        & text_filter("item_type__manufacturer", _param(params, "filament.vendor.name", "vendor_name"))
        & text_filter("location__name", params.get("location"))
        & text_filter("lot_number", params.get("lot_nr")))


GROUP_KEYS = {"filament": "item_type_id", "vendor": "item_type__manufacturer", "material": "item_type__material",
              "location": "location__name"}


class SpoolGroupApi(SpoolmanApi):
    def get(self, request, token):
        """Spools grouped by filament, vendor, material or location, aggregated in the database:
        count, how many were used, grams left, last use; the filament or vendor embedded."""
        group_by = request.query_params.get("group_by")
        if group_by not in GROUP_KEYS:
            return fastapi_error(["query", "group_by"], "Input should be filament, vendor, material or location",
                                 "value_error", group_by)
        queryset = _filtered_spools(request)
        if isinstance(queryset, Response):
            return queryset
        field = GROUP_KEYS[group_by]
        groups = (queryset.order_by().values(field).annotate(
            spool_count=Count("id"), in_use_count=Count("id", filter=Q(current_weight_g__lt=F("initial_weight_g"))),
            total=Sum("current_weight_g"), last=Max("last_used_at")).order_by(field))
        vendors = self.vendors()
        materials = ({m.pk: m for m in _materials(request.tenant).filter(pk__in=[g[field] for g in groups])}
                     if group_by == "filament" else {})
        rows = []
        for group in groups:
            key = group[field]
            row = {"group_by": group_by, "key": str(key) if key not in (None, "") else None,
                   "spool_count": group["spool_count"], "in_use_count": group["in_use_count"],
                   "total_remaining_weight": float(group["total"] or 0), "last_used": spoolman_time(group["last"])}
            if group_by == "filament":
                row["filament"] = filament_json(materials[key], vendors)
            elif group_by == "vendor" and key in vendors:
                row["vendor"], row["key"] = vendor_json(vendors[key]), str(vendors[key].id)
            rows.append({name: value for name, value in row.items() if value is not None})
        return self.listed(rows, len(rows))


def _spool_aliases() -> dict:
    return {"used_weight": F("initial_weight_g") - F("current_weight_g"),
            "archived": Case(When(status=Spool.Status.ARCHIVED, then=Value(True)), default=Value(False),
                             output_field=BooleanField())}


SPOOL_FIELDS = {"price": "price", "initial_weight": "initial_weight_g", "spool_weight": "tare_weight_g",
                "remaining_weight": "remaining_weight_g", "used_weight": "used_weight_g", "location": "location_name",
                "lot_nr": "lot_number", "archived": "archived", "comment": "comment", "extra": "extra",
                "first_used": "first_used", "last_used": "last_used", "filament_id": "filament_id"}


def _spool_fields(body: dict[str, Any]) -> dict[str, Any]:
    """Spoolman's spool fields as the printers services name them (``filament_id`` dropped: it
    is the material)."""
    return {SPOOL_FIELDS[name]: value for name, value in body.items() if name != "filament_id"}


def _param(params, name: str, deprecated: str) -> str | None:
    """A filter by its dotted name, else its deprecated alias (Spoolman reads the alias only then)."""
    return params.get(name) if name in params else params.get(deprecated)


def _is_id_list(value: str) -> bool:
    return all(part.lstrip("-").isdigit() for part in value.split(","))


class SpoolDetailApi(SpoolmanApi):
    def get(self, request, token, spool_id):
        return Response(spool_json(self.spool(spool_id), self.vendors()))

    def patch(self, request, token, spool_id):
        """Change what prodtrack keeps of a spool: remaining or used weight (a weigh-in), price,
        lot number, comment, extra (merged per key), location (a move), archived. Other fields are
        refused with 400 naming them (``services.spool_patch``)."""
        spool = self.spool(spool_id)
        body = self.body(SpoolUpdateBody)
        if body.get("filament_id") not in (None, spool.item_type_id):
            raise ApplicationError("filament_id cannot be changed: register a new spool of the other filament.")
        spool = services.spool_patch(printer_token=request.printer_token, spool=spool, **_spool_fields(body))
        return self.spool_answer(spool)

    def delete(self, request, token, spool_id):
        """Archive the spool (the ledger is append-only); the API answers 404 for it from now on."""
        inventory_services.spool_archive(spool=self.spool(spool_id), by=None)
        return Response({"message": "Success!"})


class SpoolUseApi(SpoolmanApi):
    def put(self, request, token, spool_id):
        body = self.body(UseBody)
        spool = services.spool_use(printer_token=request.printer_token, spool_id=spool_id,
                                   use_weight=body.get("use_weight"), use_length=body.get("use_length"))
        return self.spool_answer(spool)


class SpoolMeasureApi(SpoolmanApi):
    def put(self, request, token, spool_id):
        """The spool on the scale (gross g): a weigh-in adjustment (``spool_adjust``: net = gross − tare)."""
        spool = self.spool(spool_id)
        gross = self.body(MeasureBody)["weight"]
        # Below the tare reads as empty, above a full spool as full, as Spoolman clamps both (its
        # used weight never goes below 0); the service subtracts the tare and refuses outside that.
        full = spool.tare_weight_g + spool.initial_weight_g
        spool = inventory_services.spool_adjust(
            spool=spool, by=None, gross_weight_g=min(max(gross, spool.tare_weight_g), full).quantize(Decimal("0.01")),
            note=f"Weighed through {request.printer_token.workstation.name}: {gross} g gross")
        return self.spool_answer(spool)


# --- filaments and vendors --------------------------------------------------------------------------

class FilamentBody(Body):
    """Spoolman's FilamentParameters (what prodtrack keeps of them)."""

    name = serializers.CharField(required=False, allow_null=True, max_length=64)
    vendor_id = serializers.IntegerField(required=False, allow_null=True)
    material = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=64)
    price = Number(required=False, allow_null=True, min_value=0)
    density = Number(min_value=0)
    diameter = Number(min_value=0)
    weight = Number(required=False, allow_null=True, min_value=0)
    spool_weight = Number(required=False, allow_null=True, min_value=0)
    article_number = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=64)
    color_hex = serializers.RegexField(r"^#?([0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$", required=False, allow_null=True)
    external_id = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=256)
    extra = _extra_field()


class FilamentUpdateBody(FilamentBody):
    density = Number(required=False, min_value=0)
    diameter = Number(required=False, min_value=0)


def _material_fields(body: dict[str, Any], tenant_id: int, current: ItemType | None) -> dict:
    """Spoolman filament fields as a material item type's: price is per spool there, per gram
    here; the colour gets its ``#``; the vendor is its name; ``extra`` is checked against the
    filament extra fields and merged per key into ``current``'s."""
    fields: dict[str, Any] = {}
    simple = {"name": "name", "material": "material", "density": "density_g_cm3", "diameter": "diameter_mm",
              "weight": "net_weight_g", "spool_weight": "spool_weight_g", "article_number": "sku",
              "external_id": "catalog_id"}
    for key, field in simple.items():
        if body.get(key) is not None:
            fields[field] = body[key]
    if "color_hex" in body:
        fields["color_hex"] = f"#{body['color_hex'].lstrip('#').upper()}" if body["color_hex"] else ""
    if body.get("vendor_id") is not None:
        fields["manufacturer"] = selectors.vendor_get(tenant_id=tenant_id, vendor_id=body["vendor_id"]).name
    if body.get("extra"):
        services.extra_values_validate(tenant_id=tenant_id, entity_type="filament", values=body["extra"])
        fields["extra"] = extra_merged(current.extra if current else {}, body["extra"])
    weight = fields.get("net_weight_g") or (current.net_weight_g if current else None)
    if body.get("price") is not None and weight:
        fields["unit_cost"] = (body["price"] / weight).quantize(Decimal("0.0001"))
    return fields


class FilamentListApi(SpoolmanApi):
    def post(self, request, token):
        """A new material item type (``inventory.services.item_type_create``); its SKU is the
        article number, or ``SPOOLMAN-<n>`` when none is given."""
        fields = _material_fields(self.body(FilamentBody), request.tenant.pk, None)
        fields.setdefault("name", "Unnamed filament")
        fields.setdefault("sku", f"SPOOLMAN-{_materials(request.tenant).count() + 1}")
        material = inventory_services.item_type_create(tenant=request.tenant, kind=ItemType.Kind.MATERIAL, **fields)
        return Response(filament_json(material, self.vendors()))

    def get(self, request, token):
        params = request.query_params
        queryset = _materials(request.tenant).filter(
            text_filter("name", params.get("name")) & text_filter("material", params.get("material"))
            & text_filter("manufacturer", _param(params, "vendor.name", "vendor_name"))
            & text_filter("sku", params.get("article_number"))
            & text_filter("catalog_id", params.get("external_id")))
        return self.sorted_page(queryset, FILAMENT_SORTS, filament_json)


class FilamentDetailApi(SpoolmanApi):
    def filament(self, filament_id: int) -> ItemType:
        material = _materials(self.request.tenant).filter(pk=filament_id).first()
        if material is None:
            raise NotFoundError(f"No filament with ID {filament_id} found.")
        return material

    def get(self, request, token, filament_id):
        return Response(filament_json(self.filament(filament_id), self.vendors()))

    def patch(self, request, token, filament_id):
        material = self.filament(filament_id)
        fields = _material_fields(self.body(FilamentUpdateBody), request.tenant.pk, material)
        material = inventory_services.item_type_update(item_type=material, data=fields)
        return Response(filament_json(material, self.vendors()))

    def delete(self, request, token, filament_id):
        """Delete a filament nothing uses; one with spools or ledger rows is Spoolman's 403."""
        try:
            inventory_services.item_type_delete(item_type=self.filament(filament_id))
        except InUseError as error:
            return Response({"message": error.message}, status=403)
        return Response({"message": "Success!"})


class VendorBody(Body):
    """Spoolman's VendorParameters."""

    name = serializers.CharField(max_length=64)
    comment = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=1024)
    empty_spool_weight = Number(required=False, allow_null=True, min_value=0)
    external_id = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=256)
    extra = _extra_field()


class VendorUpdateBody(VendorBody):
    name = serializers.CharField(required=False, allow_null=True, max_length=64)


VENDOR_SORTS = {"id": "id", "registered": "created_at", "name": "name", "empty_spool_weight": "empty_spool_weight_g",
                "external_id": "external_id"}


def _manufacturer_fields(body: dict[str, Any], current: dict[str, str], tenant_id: int) -> dict[str, Any]:
    """Spoolman vendor fields as a manufacturer's (null text → blank); ``extra`` is checked against
    the vendor extra fields and merged per key into ``current``."""
    fields: dict[str, Any] = {}
    for key, field in (("name", "name"), ("comment", "comment"), ("external_id", "external_id")):
        if key in body and (body[key] is not None or key != "name"):
            fields[field] = body[key] or ""
    if "empty_spool_weight" in body:
        fields["empty_spool_weight_g"] = body["empty_spool_weight"]
    if body.get("extra"):
        services.extra_values_validate(tenant_id=tenant_id, entity_type="vendor", values=body["extra"])
        fields["extra"] = extra_merged(current, body["extra"])
    return fields


class VendorListApi(SpoolmanApi):
    def get(self, request, token):
        params = request.query_params
        queryset = Manufacturer.objects.filter(tenant=request.tenant).filter(
            text_filter("name", params.get("name")) & text_filter("external_id", params.get("external_id")))
        return self.sorted_page(queryset, VENDOR_SORTS, lambda vendor, vendors: vendor_json(vendor))

    def post(self, request, token):
        """A new manufacturer; a name the tenant already has is Spoolman's 400."""
        fields = _manufacturer_fields(self.body(VendorBody), {}, request.tenant.pk)
        vendor = inventory_services.manufacturer_create(tenant_id=request.tenant.pk, **fields)
        return Response(vendor_json(vendor))


class VendorDetailApi(SpoolmanApi):
    def vendor(self, vendor_id: int) -> Manufacturer:
        return selectors.vendor_get(tenant_id=self.request.tenant.pk, vendor_id=vendor_id)

    def get(self, request, token, vendor_id):
        return Response(vendor_json(self.vendor(vendor_id)))

    def patch(self, request, token, vendor_id):
        """Change a manufacturer; a new name is its materials' manufacturer from now on."""
        vendor = self.vendor(vendor_id)
        fields = _manufacturer_fields(self.body(VendorUpdateBody), vendor.extra, request.tenant.pk)
        return Response(vendor_json(inventory_services.manufacturer_update(manufacturer=vendor, data=fields)))

    def delete(self, request, token, vendor_id):
        """Delete a manufacturer; its materials stay, with no manufacturer."""
        inventory_services.manufacturer_delete(manufacturer=self.vendor(vendor_id))
        return Response({"message": "Success!"})


# --- the filament catalog ("external" database), export, search, locations --------------------------

class ExternalFilamentApi(SpoolmanApi):
    def get(self, request, token):
        return Response(list(selectors.external_filaments()))


class ExternalFilamentSearchApi(SpoolmanApi):
    def get(self, request, token):
        """Catalog filaments whose name, manufacturer or material holds every word of ``query``."""
        words = (request.query_params.get("query") or "").lower().split()
        limit = int(request.query_params.get("limit") or 50)
        found = [row for row in selectors.external_filaments()
                 if all(word in f"{row['manufacturer']} {row['name']} {row['material']}".lower() for word in words)]
        return Response(found[:limit])


class ExternalMaterialApi(SpoolmanApi):
    def get(self, request, token):
        densities: dict[str, float] = {}
        for row in selectors.external_filaments():
            densities.setdefault(row["material"], row["density"])
        return Response([{"material": material, "density": density} for material, density in sorted(densities.items())])


def _flat(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"filament": {"name": …}}`` → ``{"filament.name": …}`` (a CSV row, as Spoolman exports)."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict) and key != "extra":
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = json.dumps(value) if key == "extra" else value
    return flat


class ExportApi(SpoolmanApi):
    """``GET /export/{spools|filaments|vendors}?fmt=json|csv``."""

    def get(self, request, token, what):
        fmt = request.query_params.get("fmt")
        if fmt not in ("json", "csv"):
            return fastapi_error(["query", "fmt"], "Input should be 'csv' or 'json'", "enum", fmt)
        vendors = self.vendors()
        if what == "spools":
            rows = [spool_json(spool, vendors, nulls=True) for spool in _spools(request).order_by("id")]
        elif what == "filaments":
            rows = [filament_json(material, vendors, nulls=True) for material in _materials(request.tenant).order_by("id")]
        else:
            rows = [vendor_json(vendor, nulls=True)
                    for vendor in Manufacturer.objects.filter(tenant=request.tenant).order_by("id")]
        if fmt == "json":
            return Response(rows)
        flat = [_flat(row) for row in rows]
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(dict.fromkeys(key for row in flat for key in row)))
        writer.writeheader()
        writer.writerows(flat)
        return HttpResponse(out.getvalue(), content_type="text/csv")


class SearchApi(SpoolmanApi):
    def get(self, request, token):
        """Spools (id, location, lot number), filaments (name, material, article number) and vendors
        (name) matching ``q``, best (exact) first, ``limit`` of each."""
        query = (request.query_params.get("q") or "").strip()
        if not query:
            return fastapi_error(["query", "q"], "String should have at least 1 character", "string_too_short", query)
        limit = min(100, int(request.query_params.get("limit") or 20))
        vendors = self.vendors()
        spools = Spool.objects.for_tenant(request.tenant).exclude(status=Spool.Status.ARCHIVED).select_related(
            "item_type", "location")
        spool_hits = []
        if query.isdigit():
            spool_hits += [(spool, "id") for spool in spools.filter(pk=int(query))]
        spool_hits += [(spool, "location") for spool in spools.filter(location__name__icontains=query)[:limit]]
        spool_hits += [(spool, "lot_nr") for spool in spools.filter(lot_number__icontains=query)[:limit]]
        filament_hits = [(material, field) for field, lookup in (("name", "name"), ("material", "material"),
                                                                 ("article_number", "sku"))
                         for material in _materials(request.tenant).filter(**{f"{lookup}__icontains": query})[:limit]]
        return Response({
            "spools": [{"spool": spool_json(spool, vendors), "match_field": field}
                       for spool, field in _first_hits(spool_hits, limit)],
            "filaments": [{"filament": filament_json(material, vendors), "match_field": field}
                          for material, field in _first_hits(filament_hits, limit)],
            "vendors": [{"vendor": vendor_json(vendor), "match_field": "name"} for vendor in vendors.values()
                        if query.lower() in vendor.name.lower()][:limit],
            "is_color_query": False,
        })


def _first_hits(hits: list[tuple[Any, str]], limit: int) -> list[tuple[Any, str]]:
    """Each object once, with the first field it matched, at most ``limit``."""
    seen: dict[int, tuple[Any, str]] = {}
    for obj, field in hits:
        seen.setdefault(obj.pk, (obj, field))
    return list(seen.values())[:limit]


class LocationRenameApi(SpoolmanApi):
    def patch(self, request, token, location):
        """Rename a location (its spools follow); answers the new name."""
        name = self.body(RenameBody)["name"]
        found = Location.objects.for_tenant(request.tenant).filter(name=location).first()
        if found is None:
            raise NotFoundError(f"No location {location} found.")
        return Response(inventory_services.location_update(location=found, data={"name": name}).name)


class RenameBody(Body):
    name = serializers.CharField(max_length=64)


class RenameValueBody(Body):
    """Spoolman's RenameFieldValueParameters."""

    value = serializers.CharField(min_length=1, trim_whitespace=False)
    new_value = serializers.CharField(min_length=1, trim_whitespace=False)


class SpoolFieldRenameApi(SpoolmanApi):
    def patch(self, request, token, field):
        """Replace one value of a spool field (``location`` or ``extra.<key>``) on every spool
        holding it, archived ones included (``services.spool_field_value_rename``); answers
        ``{"spools_updated": n}``."""
        body = self.body(RenameValueBody)
        updated = services.spool_field_value_rename(tenant=request.tenant, field=field, value=body["value"],
                                                    new_value=body["new_value"])
        return Response({"spools_updated": updated})


class UnknownApi(SpoolmanApi):
    """Any other path under a token: FastAPI's 404 ``{"detail": "Not Found"}``."""

    def get(self, request, token, rest=""):
        raise Http404

    post = put = patch = delete = get
