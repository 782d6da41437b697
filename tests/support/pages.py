"""Reading page responses in tests."""
from __future__ import annotations

from django.http import HttpResponse

HTMX = {"HX-Request": "true"}   # request headers of an HTMX swap: the view answers with a partial


def page_html(response: HttpResponse) -> str:
    """The response body as text (UTF-8)."""
    return response.content.decode()
