"""Every operation of Spoolman's OpenAPI document is served: each path (with sample parameters)
reaches a view of prodtrack's Spoolman API that answers its method, not the catch-all 404."""
from __future__ import annotations

import json

import pytest
from django.urls import resolve

from printers.apis import UnknownApi
from tests.support.spoolman import DOCUMENT

SAMPLES = {"spool_id": "1", "filament_id": "1", "vendor_id": "1", "key": "currency", "entity_type": "spool",
           "location": "Shelf", "field": "location"}
OPERATIONS = [(path, method) for path, item in json.loads(DOCUMENT.read_text())["paths"].items()
              for method in item if method in ("get", "post", "put", "patch", "delete")]


def test_the_document_has_the_41_operations_of_spoolman_0_26():
    assert len(OPERATIONS) == 41


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_every_operation_is_served(path, method):
    url = "/spoolman/TOKEN/api/v1" + path.format(**SAMPLES)
    view = resolve(url).func.view_class
    assert view is not UnknownApi, url
    assert hasattr(view, method), f"{method.upper()} {url} is not answered by {view.__name__}"
