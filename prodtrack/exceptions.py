"""The ApplicationError family and the DRF exception handler that renders it.

Every error the service layer raises is an ``ApplicationError`` carrying a machine-readable
``code``, a human ``message``, an ``http_status`` and ``extra`` details. The API renders all
errors, DRF's own included, as ``{"code", "message", "extra"}``; pages show ``message`` on the
form and ``extra["fields"]`` next to each field.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response


class ApplicationError(Exception):
    """Base of every business error. ``extra`` is rendered as-is into the API response."""

    code = "error"
    http_status = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        """The API body: ``{"code", "message", "extra"}``."""
        return {"code": self.code, "message": self.message, "extra": self.extra}


class ValidationError(ApplicationError):
    """400: the input breaks a rule. ``fields`` maps field name → list of messages."""

    code = "invalid"

    def __init__(self, message: str = "Invalid input.", *, fields: dict[str, list[str]] | None = None,
                 **extra: Any) -> None:
        super().__init__(message, fields=fields or {}, **extra)

    @property
    def fields(self) -> dict[str, list[str]]:
        return self.extra["fields"]

    @classmethod
    def for_field(cls, field: str, message: str) -> ValidationError:
        """One field, one rule: ``ValidationError.for_field("gross_weight_g", "must be ≥ tare")``."""
        return cls(f"{field}: {message}", fields={field: [message]})

    @classmethod
    def from_django(cls, error: DjangoValidationError) -> ValidationError:
        """Convert a Django ``ValidationError`` (e.g. from ``full_clean``) keeping field names."""
        if hasattr(error, "error_dict"):
            fields = {name: [m for e in errs for m in e.messages] for name, errs in error.error_dict.items()}
        else:
            fields = {"non_field_errors": list(error.messages)}
        first = next(iter(fields.items()))
        return cls(f"{first[0]}: {first[1][0]}", fields=fields)


class NotFoundError(ApplicationError):
    """404: the object does not exist in the active tenant (another tenant's id included)."""

    code = "not_found"
    http_status = status.HTTP_404_NOT_FOUND


class PermissionDeniedError(ApplicationError):
    """403: the member's role does not allow this action."""

    code = "permission_denied"
    http_status = status.HTTP_403_FORBIDDEN


class ConflictError(ApplicationError):
    """409: the current state forbids the action now."""

    code = "conflict"
    http_status = status.HTTP_409_CONFLICT


class InUseError(ConflictError):
    """409: the object cannot be deleted while others use it. ``extra["used_by"]`` maps what uses
    it (a model's verbose name) to how many."""

    code = "in_use"


class IdempotencyInFlightError(ConflictError):
    code = "idempotency_in_flight"


class UnprocessableError(ApplicationError):
    """422: understood but refused, e.g. an Idempotency-Key reused with another body."""

    code = "unprocessable"
    http_status = status.HTTP_422_UNPROCESSABLE_ENTITY


class IdempotencyKeyReusedError(UnprocessableError):
    code = "idempotency_key_reused"


def _drf_error_fields(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {key: [str(m) for m in (value if isinstance(value, list) else [value])]
                if not isinstance(value, dict) else [str(value)] for key, value in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {"non_field_errors": [str(detail)]}


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF ``EXCEPTION_HANDLER``: every error as ``{"code", "message", "extra"}``.

    ApplicationError → its own status; DRF and Django validation errors → 400 with
    ``extra.fields``; Http404 → 404; permission errors → 403; other DRF errors keep their status.
    Unknown exceptions return None so Django logs them and answers 500.
    """
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError.from_django(exc)
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.http_status)
    if isinstance(exc, Http404):
        return Response({"code": "not_found", "message": "Not found.", "extra": {}}, status=404)
    if isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    if isinstance(exc, drf_exceptions.ValidationError):
        fields = _drf_error_fields(exc.detail)
        name, messages = next(iter(fields.items()), ("non_field_errors", ["Invalid input."]))
        message = messages[0] if name == "non_field_errors" else f"{name}: {messages[0]}"
        return Response({"code": "invalid", "message": message, "extra": {"fields": fields}}, status=400)
    if isinstance(exc, drf_exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        return Response({"code": code, "message": str(exc.detail), "extra": {}},
                        status=exc.status_code, headers=headers)
    return None
