"""Every template under templates/ keeps a strict Content-Security-Policy possible (DESIGN §8, STYLE.md
"Charts without inline script"): no inline script, no style attribute or element, no inline event
handler; every chart canvas points at a json_script of its own template.

``json_script`` output is made at render time, so it is not in the template files; a
``<script src=...>`` of a vendored file is fine."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
DJANGO_COMMENT = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\ssrc=)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"(?<![\w:-])style\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
EVENT_HANDLER = re.compile(r"(?<![\w:-])on[a-z]+\s*=\s*[\"']", re.I)


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def _source(path: Path) -> str:
    """The template's text without its Django comments (they may speak of what they avoid); the
    lines keep their numbers."""
    return DJANGO_COMMENT.sub(lambda comment: "\n" * comment.group(0).count("\n"), path.read_text())


def _offences(pattern: re.Pattern) -> list[str]:
    return [f"{path.relative_to(TEMPLATES)}:{source[:match.start()].count(chr(10)) + 1}: {match.group(0)}"
            for path in _templates() for source in [_source(path)] for match in pattern.finditer(source)]


def test_there_are_templates_to_check():
    assert len(_templates()) > 50 and (TEMPLATES / "base.html") in _templates()


@pytest.mark.parametrize("pattern", [INLINE_SCRIPT, STYLE_ATTRIBUTE, STYLE_ELEMENT, EVENT_HANDLER],
                         ids=["inline script", "style attribute", "style element", "inline event handler"])
def test_no_template_has_inline_script_or_style(pattern):
    assert _offences(pattern) == []


@pytest.mark.parametrize("source, pattern", [
    ('<script>alert(1)</script>', INLINE_SCRIPT),
    ('<script type="module">', INLINE_SCRIPT),
    ('<div class="bar" style="width: 3%">', STYLE_ATTRIBUTE),
    ("<span{% if hex %} style='--swatch: {{ hex }}'{% endif %}>", STYLE_ATTRIBUTE),
    ("<style>.x {}</style>", STYLE_ELEMENT),
    ('<button onclick="go()">', EVENT_HANDLER),
])
def test_the_checks_catch_what_a_strict_csp_refuses(source, pattern):
    assert pattern.search(source)


@pytest.mark.parametrize("source, pattern", [
    ('<script src="{% static \'js/app.js\' %}" defer></script>', INLINE_SCRIPT),
    ('<div data-style="x" hx-on:click="x">', STYLE_ATTRIBUTE),
    ('<div data-width="33.3">', STYLE_ATTRIBUTE),
])
def test_the_checks_let_through_what_it_allows(source, pattern):
    assert not pattern.search(source)


def test_every_chart_canvas_reads_a_json_script_of_its_own_template():
    charts = 0
    for path in _templates():
        source = _source(path)
        for match in re.finditer(r"<canvas\b[^>]*>", source):
            canvas = match.group(0)
            chart = re.search(r'data-chart="([\w-]+)"', canvas)
            assert chart, f"{path.name}: a canvas without data-chart: {canvas}"
            assert f'json_script:"{chart.group(1)}"' in source, f"{path.name}: no json_script {chart.group(1)}"
            assert 'role="img"' in canvas and "aria-label=" in canvas, f"{path.name}: {canvas}"
            charts += 1
    assert charts == 6    # stock, run detail, variance per day and per product, dashboard trend, tick durations
