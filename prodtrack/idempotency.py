"""``Idempotency-Key`` for POST endpoints that create (DESIGN §7).

Same key + same body → the stored response and no new rows; same key + another body → 422;
while the first request is still running → 409. Keys are per tenant and kept
``IDEMPOTENCY_KEY_TTL_SEC`` (24 h by default).

How it stays correct under concurrency and crashes: the key row is inserted and committed
first; the work then runs in one transaction that holds the key row's lock (``NOWAIT``) and
stores the response in that same transaction. A second request that cannot take the lock is in
flight (409); one that takes it and finds a response replays it; one that finds no response
knows the earlier attempt rolled back entirely and runs the work itself.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from prodtrack.exceptions import IdempotencyInFlightError, IdempotencyKeyReusedError, ValidationError
from prodtrack.models import IdempotencyKey, Tenant

HEADER = "Idempotency-Key"


def request_fingerprint(*, method: str, path: str, body: object) -> str:
    """sha256 hex of method, path and the canonical JSON of the parsed body."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method}\n{path}\n{canonical}".encode()).hexdigest()


def idempotent_call(*, tenant: Tenant, key: str, fingerprint: str, action: Callable[[], Response]) -> Response:
    """Run ``action`` at most once per (tenant, key); see the module docstring for the rules.

    Raises IdempotencyKeyReusedError (422) for a finished key with another fingerprint and
    IdempotencyInFlightError (409) while another request holds the key.
    """
    if not key or len(key) > 255:
        raise ValidationError.for_field(HEADER, "must be 1–255 characters.")
    expired_before = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SEC)
    IdempotencyKey.objects.filter(tenant=tenant, key=key, created_at__lt=expired_before).delete()
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(tenant=tenant, key=key, request_hash=fingerprint)
    except IntegrityError:
        pass  # an earlier or concurrent request made it; the lock below decides

    with transaction.atomic():
        try:
            stored = IdempotencyKey.objects.select_for_update(
                nowait=connection.features.has_select_for_update_nowait).get(tenant=tenant, key=key)
        except DatabaseError as error:
            raise IdempotencyInFlightError(
                "A request with this Idempotency-Key is still being processed; retry shortly.", key=key) from error
        if stored.response_status is not None:
            if stored.request_hash != fingerprint:
                raise IdempotencyKeyReusedError(
                    "This Idempotency-Key was used with a different request body.", key=key)
            return Response(stored.response_body, status=stored.response_status,
                            headers={"Idempotent-Replayed": "true"})
        response = action()
        if response.status_code < 500:
            stored.request_hash = fingerprint
            stored.response_status = response.status_code
            stored.response_body = json.loads(JSONRenderer().render(response.data) or b"null")
            stored.save(update_fields=["request_hash", "response_status", "response_body"])
        return response


def idempotent(view_method: Callable) -> Callable:
    """Decorate a DRF view's ``post``: honour ``Idempotency-Key`` when the header is sent."""

    @wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        return idempotent_call(
            tenant=request.tenant, key=key,
            fingerprint=request_fingerprint(method=request.method, path=request.path, body=request.data),
            action=lambda: view_method(self, request, *args, **kwargs))

    return wrapper


def idempotency_keys_purge(*, older_than: timedelta | None = None) -> int:
    """Delete keys older than the TTL (or ``older_than``); returns how many were deleted."""
    age = older_than or timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SEC)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - age).delete()
    return deleted
