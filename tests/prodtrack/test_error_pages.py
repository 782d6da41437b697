"""The error pages: a server error shows the styled 500 page (rendered with no context at all), and
every page links the favicon."""
from __future__ import annotations

from django.test import RequestFactory
from django.views.defaults import server_error


def test_the_500_page_renders_without_any_context_and_offers_a_way_back(db):
    response = server_error(RequestFactory().get("/runs/"))
    html = response.content.decode()

    assert response.status_code == 500
    assert "Something went wrong on our side" in html and 'href="/"' in html
    assert "favicon.svg" in html and "<script" not in html and "style=" not in html


def test_pages_link_the_favicon(viewer_client):
    assert 'rel="icon" href="/static/img/favicon.svg"' in viewer_client.get("/runs/").content.decode()
