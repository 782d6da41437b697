"""Money on the pages: ``{{ run.estimated_cost|money:currency }}`` → ``€6.51``.

``currency`` is the tenant's ISO 4217 code (``Tenant.currency``, in every page's context through
``prodtrack.tenancy.tenant_context``). Common codes get their symbol, any other its code
(``CHF 6.51``); amounts have two decimals and thousands separators, and only prices per gram
(``per_gram``) keep four: ``€0.0250 / g``.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

# Symbols that read unambiguously before the amount; any other code is written out.
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CNY": "CN¥", "INR": "₹", "KRW": "₩",
           "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "HKD": "HK$", "MXN": "MX$", "BRL": "R$", "ILS": "₪",
           "PHP": "₱", "VND": "₫", "TWD": "NT$", "UAH": "₴", "NGN": "₦", "PLN": "zł", "TRY": "₺"}
NO_CENTS = {"JPY", "KRW", "VND", "CLP", "ISK", "HUF"}


def format_money(amount, currency: str | None, places: int = 2) -> str:
    """``amount`` (Decimal, int, str or None) in ``currency``: ``€1,234.50``, ``−$3.00``, ``CHF 6.51``;
    ``—`` for None or what is not a number. ``places``: decimals (currencies without cents: 0 unless
    more than 2 are asked for, as for per-gram prices)."""
    if amount is None or amount == "":
        return "—"
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return "—"
    code = (currency or "").upper()
    if code in NO_CENTS and places <= 2:
        places = 0
    quantum = Decimal(1).scaleb(-places)
    number = f"{abs(value.quantize(quantum, rounding=ROUND_HALF_UP)):,.{places}f}"
    sign = "−" if value.quantize(quantum, rounding=ROUND_HALF_UP) < 0 else ""
    symbol = SYMBOLS.get(code)
    if symbol:
        return f"{sign}{symbol}{number}"
    return f"{sign}{code}\u00a0{number}" if code else f"{sign}{number}"


@register.filter
def money(amount, currency: str | None = None) -> str:
    """``{{ amount|money:currency }}`` → ``€6.51``: an amount of money, two decimals."""
    return format_money(amount, currency)


@register.filter
def per_gram(amount, currency: str | None = None) -> str:
    """``{{ spool.cost_per_gram|per_gram:currency }}`` → ``€0.0250 / g``: a price per gram, four decimals."""
    return f"{format_money(amount, currency, places=4)} / g" if amount is not None else "—"
