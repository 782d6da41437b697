"""Spoolman's OpenAPI document as a test oracle: ``openapi_check`` validates an answer of
prodtrack's Spoolman-compatible API against the response schema the document gives for that
path, method and status; ``call`` makes a call and checks its status and answer."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

DOCUMENT = Path(__file__).resolve().parents[2] / "printers" / "spoolman_api" / "openapi-v1.json"


@cache
def components() -> dict[str, Any]:
    """The document's ``components`` (its schemas), to resolve ``#/components/…`` references."""
    return _document()["components"]


@cache
def _document() -> dict[str, Any]:
    return json.loads(DOCUMENT.read_text())


def openapi_check(method: str, path: str, status: int, body: Any) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``body`` fits the documented response of
    ``method path`` (a template, e.g. ``/spool/{spool_id}``) for ``status``. The schema's
    ``#/components/…`` references resolve against the document's components."""
    responses = _document()["paths"][path][method.lower()]["responses"]
    schema = responses[str(status)]["content"]["application/json"]["schema"]
    Draft202012Validator({**schema, "components": components()}).validate(body)


def call(client, method: str, base: str, path: str, template: str | None = None, status: int = 200,
         body: Any = None, **params: Any):
    """``method base/api/v1path`` (JSON ``body``, query ``params``) with an APIClient; asserts the
    status and, given the path ``template``, that the answer fits the document. Returns the
    response."""
    url = f"{base}/api/v1{path}"
    if method == "get":
        response = client.get(url, params)
    else:
        response = getattr(client, method)(url, body, format="json")
    assert response.status_code == status, response.content
    if template:
        openapi_check(method, template, status, response.json())
    return response
