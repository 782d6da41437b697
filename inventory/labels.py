"""Spool labels: the QR code that opens a spool's page, drawn by segno as inline SVG."""
from __future__ import annotations

import segno

#: At most this many labels on one sheet (a filter matching more prints the first ones, newest first).
LABELS_MAX = 200


def qr_svg(url: str) -> str:
    """``url`` as a QR code: an inline ``<svg>`` without width and height (CSS sizes it), error
    correction M (readable with a scuffed corner), the standard 4-module quiet zone."""
    return segno.make_qr(url, error="m").svg_inline(scale=1, omitsize=True, border=4,
                                                   svgclass="label-qr", lineclass=None)
