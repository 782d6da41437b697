"""Weigh sanity (issue 14, point 5): a weight that implies more filament than the spool ever held, or
less than none, is refused with the range expected — on the page, in the API, in the service — while
Spoolman's own endpoints keep Spoolman's clamping."""
from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from inventory import services
from inventory.models import InventoryTransaction
from prodtrack.exceptions import ValidationError
from tests.factories import receive_spool
from tests.support.pages import page_html
from tests.support.spoolman import call

EXPECTED = "Between 201 g (empty spool) and 1,201 g (full) for this spool."


@pytest.fixture
def moonraker() -> APIClient:
    """No login, no cookie, no header: Moonraker sends none."""
    return APIClient()


@pytest.fixture
def spool(tenant, admin_user):
    """1,000 g of filament on a 201 g spool: 201 g empty, 1,201 g full on the scale."""
    return receive_spool(tenant=tenant, by=admin_user, grams="1000", tare_weight_g=Decimal("201"))


@pytest.mark.parametrize("gross, what", [("1500", "1,500 g is more than this spool weighed full."),
                                         ("150", "150 g is below the spool's weight when empty."),
                                         ("-1", "-1 g is below the spool's weight when empty.")])
def test_a_gross_weight_outside_empty_and_full_is_refused_with_the_range(spool, admin_user, gross, what):
    with pytest.raises(ValidationError) as refused:
        services.spool_adjust(spool=spool, by=admin_user, gross_weight_g=Decimal(gross))

    assert refused.value.fields["gross_weight_g"] == [f"{what} {EXPECTED}"]
    assert InventoryTransaction.objects.filter(spool=spool).count() == 1


@pytest.mark.parametrize("gross, net", [("201", "0.00"), ("1201", "1000.00")])
def test_the_empty_and_the_full_spool_are_both_accepted(spool, admin_user, gross, net):
    weighed = services.spool_adjust(spool=spool, by=admin_user, gross_weight_g=Decimal(gross))

    assert weighed.current_weight_g == Decimal(net)


def test_a_net_weight_above_what_the_spool_held_is_refused(spool, admin_user):
    with pytest.raises(ValidationError) as refused:
        services.spool_adjust(spool=spool, by=admin_user, net_weight_g=Decimal("1000.01"))

    assert refused.value.fields["net_weight_g"] == [
        "1,000.01 g is more filament than this spool held full. Between 0 g (empty) and 1,000 g (full) for this spool."]


def test_the_weigh_page_refuses_an_impossible_weight_next_to_the_field(client_as, operator_user, spool):
    response = client_as(operator_user).post(f"/inventory/spools/{spool.pk}/weigh/", {"gross_weight_g": "1500"})

    assert response.status_code == 400
    html = page_html(response)
    assert 'id="id_gross_weight_g_error"' in html and EXPECTED in html and 'value="1500"' in html
    spool.refresh_from_db()
    assert spool.current_weight_g == Decimal("1000.00")
    assert InventoryTransaction.objects.filter(spool=spool).count() == 1


def test_the_weigh_form_says_the_range_before_anything_is_typed(admin_client, spool):
    html = page_html(admin_client.get(f"/inventory/spools/{spool.pk}/"))

    assert "The empty spool&#x27;s 201 g are subtracted; full, it weighed 1,201 g." in html


def test_the_api_refuses_an_impossible_weight_with_the_range(api, spool):
    response = api.post(f"/api/v1/spools/{spool.pk}/adjust", {"gross_weight_g": "1500"}, format="json")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["gross_weight_g"] == [f"1,500 g is more than this spool weighed full. {EXPECTED}"]


@pytest.mark.parametrize("gross, remaining", [(5000, 1000.0), (10, 0.0)])
def test_spoolmans_measure_still_clamps_to_a_full_or_an_empty_spool(moonraker, printer_base, spool, gross, remaining):
    answer = call(moonraker, "put", printer_base, f"/spool/{spool.pk}/measure", "/spool/{spool_id}/measure", 200,
                  {"weight": gross}).json()

    assert answer["remaining_weight"] == remaining


def test_spoolmans_remaining_weight_above_the_initial_reads_as_full(moonraker, printer_base, spool, admin_user):
    services.spool_adjust(spool=spool, by=admin_user, net_weight_g=Decimal("400"))

    answer = moonraker.patch(f"{printer_base}/api/v1/spool/{spool.pk}", {"remaining_weight": 1200},
                          format="json").json()

    assert answer["remaining_weight"] == 1000.0
