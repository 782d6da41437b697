"""OpenTelemetry: one span per service operation.

The exporter is chosen by the standard ``OTEL_TRACES_EXPORTER`` variable: ``console`` prints
spans to stdout, ``otlp`` uses the OTLP exporter when its package is installed, anything else
(the default) exports nothing. Spans carry ``prodtrack.operation``, ``prodtrack.tenant_id`` and
``prodtrack.object_id``.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from functools import wraps
from typing import Any

from opentelemetry import trace

tracer = trace.get_tracer("prodtrack")
_configured = False


def configure_telemetry() -> None:
    """Install a tracer provider with the exporter named by ``OTEL_TRACES_EXPORTER`` (once)."""
    global _configured
    if _configured:
        return
    _configured = True
    exporter_name = os.environ.get("OTEL_TRACES_EXPORTER", "none").strip().lower()
    if exporter_name in {"", "none"}:
        return
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "prodtrack")}))
    if exporter_name == "console":
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    elif exporter_name == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # optional package

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


def _tenant_id(kwargs: dict[str, Any]) -> int | None:
    tenant = kwargs.get("tenant")
    if tenant is not None:
        return getattr(tenant, "pk", None)
    for value in kwargs.values():
        tenant_id = getattr(value, "tenant_id", None)
        if tenant_id is not None:
            return tenant_id
    return None


def traced(operation: str) -> Callable:
    """Decorate a service: run it inside a span named ``operation``.

    The span records the tenant id (from a ``tenant`` kwarg or any model kwarg's ``tenant_id``)
    and the returned object's primary key, and marks the span as errored when the service raises.
    """

    def decorator(func: Callable) -> Callable:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with tracer.start_as_current_span(operation) as span:
                span.set_attribute("prodtrack.operation", operation)
                tenant_id = _tenant_id(kwargs)
                if tenant_id is not None:
                    span.set_attribute("prodtrack.tenant_id", tenant_id)
                result = func(*args, **kwargs)
                object_id = getattr(result, "pk", None)
                if object_id is not None:
                    span.set_attribute("prodtrack.object_id", object_id)
                return result

        return wrapper

    return decorator
