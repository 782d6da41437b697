"""Money on the pages: every amount carries the tenant's currency (``{{ amount|money:currency }}``),
two decimals for amounts and four only for prices per gram."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from prodtrack.templatetags.money import format_money, money, per_gram
from tests.support.pages import page_html


@pytest.mark.parametrize(("amount", "currency", "shown"), [
    (D("6.51"), "EUR", "€6.51"),
    (D("1234.5"), "USD", "$1,234.50"),
    (D("1.1000"), "GBP", "£1.10"),
    (D("-3"), "EUR", "−€3.00"),
    (D("6.51"), "CHF", "CHF\u00a06.51"),
    (D("1500"), "JPY", "¥1,500"),
    (D("0.005"), "EUR", "€0.01"),          # half up
    (None, "EUR", "—"),
])
def test_an_amount_is_shown_with_the_currencys_symbol_or_code(amount, currency, shown):
    assert money(amount, currency) == shown


def test_a_price_per_gram_keeps_four_decimals():
    assert per_gram(D("0.025"), "EUR") == "€0.0250 / g"
    assert format_money("0.0312345", "USD", places=4) == "$0.0312"


def test_the_run_page_shows_its_costs_in_the_tenants_currency(viewer_client, make_run, tenant):
    tenant.currency = "USD"
    tenant.save(update_fields=["currency"])
    run = make_run(quantity=8)

    html = page_html(viewer_client.get(f"/runs/{run.pk}/"))

    assert f"${run.estimated_cost:.2f}" in html


def test_the_spool_page_shows_cost_and_cost_per_gram_in_the_tenants_currency(viewer_client, farm):
    html = page_html(viewer_client.get(f"/inventory/spools/{farm.pla_spool.pk}/"))

    assert "€25.00" in html and "€0.0250 / g" in html


def test_the_item_list_shows_a_products_unit_cost_with_two_decimals_and_a_filaments_per_gram(viewer_client, farm):
    html = page_html(viewer_client.get("/inventory/items/"))

    assert "€0.0250 / g" in html                    # Galaxy Black PLA, per gram
    assert "0.0250 <span" not in html and ".0000" not in html      # no bare 4-decimal amounts
