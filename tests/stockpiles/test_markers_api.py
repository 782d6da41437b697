"""Stockpile markers and deficits through the API: upsert, edit, delete, status, to produce / to buy."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from plans import services as plan_services
from plans.models import JobQueueEntry, ProductionPlanRun
from stockpiles.models import StockpileMarker

URL = "/api/v1/stockpiles"


def test_post_creates_the_callers_marker_with_stock_on_hand_and_deficit(api, admin_user, stock_shop, put_stock):
    put_stock(stock_shop.stand, stock_shop.shop, "4")

    response = api.post(URL, {"item_type": stock_shop.stand.pk, "location": stock_shop.shop.pk,
                              "desired_quantity": "10", "plan_id": stock_shop.stand_plan.pk,
                              "auto_production_parallelism": 2, "auto_production_enabled": True}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["owner"] == {"id": admin_user.pk, "username": admin_user.username}
    assert (body["desired_quantity"], body["on_hand"], body["deficit"]) == ("10.000", "4.000", "6.000")
    assert body["plan"] == {"id": stock_shop.stand_plan.pk, "name": "Phone stands"}
    assert (body["auto_production_parallelism"], body["auto_production_enabled"]) == (2, True)
    assert body["auto_production_status"] == "on"


def test_auto_production_on_a_plan_that_delivers_elsewhere_is_400_naming_both_locations(api, stock_shop):
    body = {"item_type": stock_shop.stand.pk, "location": stock_shop.window.pk, "desired_quantity": "10",
            "plan_id": stock_shop.stand_plan.pk, "auto_production_enabled": True}

    response = api.post(URL, body, format="json")
    without = api.post(URL, {**body, "auto_production_enabled": False}, format="json")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"plan_id": [
        "plan 'Phone stands' delivers to Shop, but this marker keeps stock at Window: its output would never fill "
        "it. Choose a plan that delivers to Window or give this plan's final step that location."]}
    assert without.status_code == 201                    # the plan may be linked while auto-production is off
    assert StockpileMarker.objects.get().auto_production_enabled is False


def test_post_again_upserts_the_same_marker(api, stock_shop):
    body = {"item_type": stock_shop.stand.pk, "location": stock_shop.shop.pk, "desired_quantity": "10",
            "plan_id": stock_shop.stand_plan.pk, "auto_production_enabled": True}
    first = api.post(URL, body, format="json")

    second = api.post(URL, {**body, "desired_quantity": "25"}, format="json")

    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"] and second.json()["desired_quantity"] == "25.000"
    assert StockpileMarker.objects.count() == 1


def test_post_without_the_auto_production_fields_turns_it_off(api, stock_shop):
    body = {"item_type": stock_shop.stand.pk, "location": stock_shop.shop.pk, "desired_quantity": "10"}
    api.post(URL, {**body, "plan_id": stock_shop.stand_plan.pk, "auto_production_enabled": True}, format="json")

    response = api.post(URL, body, format="json")

    assert response.status_code == 200
    assert (response.json()["plan"], response.json()["auto_production_enabled"]) == (None, False)
    assert response.json()["auto_production_status"] == "off"


def test_each_member_keeps_their_own_marker_for_the_same_item_and_place(api, api_as, manager_user, stock_shop):
    body = {"item_type": stock_shop.stand.pk, "location": stock_shop.shop.pk, "desired_quantity": "10"}

    api.post(URL, body, format="json")
    api_as(manager_user).post(URL, body, format="json")

    assert StockpileMarker.objects.count() == 2


def test_put_changes_only_the_settings_sent(api, stock_shop, keep):
    marker = keep(stock_shop.stand, stock_shop.shop, "10", plan=stock_shop.stand_plan, parallelism=3)

    response = api.put(f"{URL}/{marker.pk}", {"desired_quantity": "12"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["desired_quantity"], body["auto_production_parallelism"], body["plan"]["id"]) == (
        "12.000", 3, stock_shop.stand_plan.pk)


def test_put_can_switch_auto_production_off_and_unlink_the_plan(api, stock_shop, keep):
    marker = keep(stock_shop.stand, stock_shop.shop, "10", plan=stock_shop.stand_plan)

    response = api.put(f"{URL}/{marker.pk}", {"plan_id": None, "auto_production_enabled": False}, format="json")

    assert response.status_code == 200
    assert (response.json()["plan"], response.json()["auto_production_status"]) == (None, "off")


def test_delete_removes_the_marker(api, stock_shop, keep):
    marker = keep(stock_shop.stand, stock_shop.shop, "10")

    response = api.delete(f"{URL}/{marker.pk}")

    assert response.status_code == 204
    assert not StockpileMarker.objects.exists()


def test_operators_read_but_do_not_write_markers(api_as, operator_user, stock_shop, keep):
    marker = keep(stock_shop.stand, stock_shop.shop, "10")
    client = api_as(operator_user)

    assert client.get(URL).status_code == 200
    assert client.put(f"{URL}/{marker.pk}", {"desired_quantity": "1"}, format="json").status_code == 403
    assert client.post(URL, {"item_type": stock_shop.stand.pk, "location": stock_shop.shop.pk,
                             "desired_quantity": "1"}, format="json").status_code == 403


def test_deleting_the_plan_unlinks_its_markers_and_their_deficit_goes_to_the_buy_list(api, stock_shop, keep):
    marker = keep(stock_shop.stand, stock_shop.shop, "10", plan=stock_shop.stand_plan)

    plan_services.production_plan_delete(plan=stock_shop.stand_plan)

    marker.refresh_from_db()
    assert marker.plan is None and marker.auto_production_enabled        # the switch stays; nothing to run
    assert api.get(f"{URL}/{marker.pk}").json()["auto_production_status"] == "off"
    (row,) = api.get(f"{URL}/deficits").json()["results"]
    assert row["kind"] == "to_buy"


# --- status ---------------------------------------------------------------------------------------

def status_of(api, marker):
    return api.get(f"{URL}/{marker.pk}").json()["auto_production_status"]


def test_status_is_covered_when_the_plans_pending_output_covers_its_deficits(api, stock_shop, keep, manager_user):
    marker = keep(stock_shop.stand, stock_shop.shop, "8", plan=stock_shop.stand_plan)
    keep(stock_shop.stand, stock_shop.shop, "6", plan=stock_shop.stand_plan, owner=manager_user)  # the same shelf
    plan_services.plan_generate(plan=stock_shop.stand_plan, by=None, quantity=8)          # 2 plates: 8 pending

    assert status_of(api, marker) == "covered"          # the shelf needs 8, not 8 + 6


def test_status_is_on_when_pending_output_covers_only_part_of_the_plans_deficits(api, stock_shop, keep):
    marker = keep(stock_shop.stand, stock_shop.shop, "10", plan=stock_shop.stand_plan)
    plan_services.plan_generate(plan=stock_shop.stand_plan, by=None, quantity=8)

    assert status_of(api, marker) == "on"


def test_status_is_cooling_down_after_an_auto_run_within_the_interval(api, stock_shop, keep):
    marker = keep(stock_shop.stand, stock_shop.shop, "8", plan=stock_shop.stand_plan)
    run = plan_services.plan_generate(plan=stock_shop.stand_plan, by=None, quantity=1, source="auto").run
    JobQueueEntry.objects.filter(plan_run=run).update(status="completed")

    assert status_of(api, marker) == "cooling_down"
    ProductionPlanRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert status_of(api, marker) == "on"


def test_status_is_on_without_a_deficit_and_off_when_disabled(api, stock_shop, keep, put_stock):
    put_stock(stock_shop.stand, stock_shop.shop, "9")
    full = keep(stock_shop.stand, stock_shop.shop, "8", plan=stock_shop.stand_plan)
    disabled = keep(stock_shop.organiser, stock_shop.shop, "8", plan=stock_shop.organiser_plan, enabled=False)

    assert (status_of(api, full), status_of(api, disabled)) == ("on", "off")


def test_list_filters_below_target_and_by_item(api, stock_shop, keep, put_stock):
    put_stock(stock_shop.stand, stock_shop.shop, "9")
    keep(stock_shop.stand, stock_shop.shop, "8")
    below = keep(stock_shop.organiser, stock_shop.shop, "8")

    assert [r["id"] for r in api.get(URL, {"below_target": "true"}).json()["results"]] == [below.pk]
    assert [r["id"] for r in api.get(URL, {"item_type": stock_shop.organiser.pk}).json()["results"]] == [below.pk]
    assert api.get(URL, {"q": "phone"}).json()["count"] == 1


# --- deficits --------------------------------------------------------------------------------------

def test_deficits_split_to_produce_and_to_buy_with_pending_and_net(api, stock_shop, keep, put_stock):
    put_stock(stock_shop.stand, stock_shop.shop, "2")
    keep(stock_shop.stand, stock_shop.shop, "10", plan=stock_shop.stand_plan)  # to produce: 8, 4 pending → 4
    keep(stock_shop.organiser, stock_shop.shop, "3", plan=stock_shop.organiser_plan, enabled=False)  # to buy: 3
    keep(stock_shop.pla, stock_shop.shop, "6000")  # filament: 5000 g on hand → buy 1000 g
    keep(stock_shop.clip, stock_shop.shop, "0")  # no deficit: not listed
    plan_services.plan_generate(plan=stock_shop.stand_plan, by=None, quantity=4)

    rows = api.get(f"{URL}/deficits").json()["results"]

    assert [(r["kind"], r["item_type"]["name"], r["desired_quantity"], r["on_hand"], r["gross_deficit"],
             r["pending_production"], r["net_deficit"]) for r in rows] == [
        ("to_produce", "Phone stand", "10.000", "2.000", "8.000", "4.000", "4.000"),
        ("to_buy", "Organiser", "3.000", "0.000", "3.000", "0.000", "3.000"),
        ("to_buy", "PLA Black", "6000.000", "5000.000", "1000.000", "0.000", "1000.000"),
    ]


def test_an_auto_production_marker_is_never_on_the_buy_list(api, stock_shop, keep):
    keep(stock_shop.stand, stock_shop.shop, "10", plan=stock_shop.stand_plan)
    keep(stock_shop.organiser, stock_shop.shop, "3")

    to_buy = api.get(f"{URL}/deficits", {"kind": "to_buy"}).json()["results"]
    to_produce = api.get(f"{URL}/deficits", {"kind": "to_produce"}).json()["results"]

    assert [r["item_type"]["name"] for r in to_buy] == ["Organiser"]
    assert [r["item_type"]["name"] for r in to_produce] == ["Phone stand"]


@pytest.mark.parametrize("markers", [1, 30])
def test_deficits_and_markers_are_one_query_per_page(api, stock_shop, keep, tenant, markers, django_assert_num_queries):
    from tests.factories import LocationFactory

    for _ in range(markers):
        keep(stock_shop.stand, LocationFactory(tenant=tenant), "5", plan=stock_shop.stand_plan, enabled=False)

    # tenant resolution + count + the page (balances, pending output and status included)
    with django_assert_num_queries(3):
        assert api.get(f"{URL}/deficits", {"page_size": 50}).json()["count"] == markers
    with django_assert_num_queries(3):
        assert api.get(URL, {"page_size": 50}).json()["count"] == markers


def test_stock_on_hand_counts_for_the_markers_location_only(api, stock_shop, keep, put_stock):
    put_stock(stock_shop.stand, stock_shop.window, "50")
    marker = keep(stock_shop.stand, stock_shop.shop, "10")

    body = api.get(f"{URL}/{marker.pk}").json()

    assert (body["on_hand"], body["deficit"]) == ("0.000", "10.000")
    assert Decimal(body["pending_output"]) == 0
