"""Every service operation is an OpenTelemetry span carrying tenant and object ids."""
from decimal import Decimal

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from inventory import services
from tests.factories import LocationFactory, MaterialFactory

_exporter = InMemorySpanExporter()


@pytest.fixture
def spans():
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(_exporter))
    _exporter.clear()
    yield _exporter
    _exporter.clear()


def test_spool_receive_emits_a_span_with_tenant_and_spool_id(spans, tenant, admin_user):
    spool = services.spool_receive(tenant=tenant, by=admin_user, item_type=MaterialFactory(tenant=tenant),
                                   location=LocationFactory(tenant=tenant), initial_weight_g=Decimal("500"))

    (span,) = [s for s in spans.get_finished_spans() if s.name == "spool.receive"]
    assert span.attributes["prodtrack.tenant_id"] == tenant.pk
    assert span.attributes["prodtrack.object_id"] == spool.pk
    assert span.attributes["prodtrack.operation"] == "spool.receive"


def test_console_exporter_prints_a_span_per_service_call():
    import os
    import subprocess
    import sys

    code = ("import django; django.setup(); from prodtrack.telemetry import traced; "
            "traced('production_run.complete')(lambda **kw: None)(tenant=None)")
    env = {**os.environ, "OTEL_TRACES_EXPORTER": "console", "DJANGO_SETTINGS_MODULE": "prodtrack.settings"}

    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert '"name": "production_run.complete"' in result.stdout
    assert '"prodtrack.operation": "production_run.complete"' in result.stdout
