"""Aggregate scoping (issue 17, Tests): every figure the product shows or serves, for a regional manager and a
salesperson, equals the same figure computed here over exactly their customers (VISIBLE in conftest), read
straight from the rows. A leak of an aggregate fails it, not only a leak of rows.

The expected figures never go through customers.selectors: they filter the stored rows by the codes the world says
the actor may see, so a scoping rule that widens (a region deleted, a summary read as stored) shows up as a
difference.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from analytics.models import CustomerSnapshot, PeriodSummary
from tests.security.conftest import P1, VISIBLE, P, World

SCOPED = ("south_manager", "sales1", "sales2")
FLAGS = ("is_new", "sales_surge", "sales_plunge", "orders_surge", "orders_plunge", "override_active")


def api(world: World, actor: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[actor]}")
    return client


def fen(amount: Decimal) -> int:
    return int(amount * 100)


def expected_period(codes: set[str], period: dt.date) -> dict[str, Any]:
    """The period summary's figures over the snapshot rows of exactly `codes`, counted in Python."""
    rows = list(CustomerSnapshot.objects.filter(period=period, code__in=codes))
    sales = sum((r.sales for r in rows), Decimal(0))
    orders = sum(r.orders for r in rows)
    transitions: dict[str, dict[str, int]] = {a: dict.fromkeys("ABCD", 0) for a in ("A", "B", "C", "D", "none")}
    for r in rows:
        transitions[r.previous_grade or "none"][r.computed_grade] += 1
    return {
        "customers": len(rows), "buying_customers": sum(1 for r in rows if r.orders > 0), "orders": orders,
        "sales": f"{sales:.2f}",
        "avg_order_value": f"{(sales / orders).quantize(Decimal('0.01')):.2f}" if orders else None,
        "sales_fen": fen(sales), "receivable_fen": fen(sum((r.receivable for r in rows), Decimal(0))),
        "overdue_fen": fen(sum((r.overdue for r in rows), Decimal(0))),
        "grades": {g: {"customers": sum(1 for r in rows if r.grade == g),
                       "sales_fen": fen(sum((r.sales for r in rows if r.grade == g), Decimal(0)))} for g in "ABCD"},
        "lifecycle": {k: sum(1 for r in rows if r.lifecycle == k) for k in ("active", "at_risk", "churned", "never")},
        "movement": {m: sum(1 for r in rows if r.movement == m) for m in ("up", "down", "same")},
        "flags": {f: sum(1 for r in rows if getattr(r, f)) for f in FLAGS},
        "transitions": transitions,
        "control_buying": sum(1 for r in rows if r.sales > 0), "control_sales_fen": fen(sales),
    }


def served_period(body: dict[str, Any]) -> dict[str, Any]:
    """The same figures as the API serves them."""
    data = body["data"]
    return {
        "customers": body["customers"], "buying_customers": body["buying_customers"], "orders": body["orders"],
        "sales": body["sales"], "avg_order_value": body["avg_order_value"], "sales_fen": data["sales_fen"],
        "receivable_fen": data["receivable_fen"], "overdue_fen": data["overdue_fen"],
        "grades": {g: {"customers": data["grades"][g]["customers"], "sales_fen": data["grades"][g]["sales_fen"]}
                   for g in "ABCD"},
        "lifecycle": {k: data["lifecycle"][k]["customers"] for k in ("active", "at_risk", "churned", "never")},
        "movement": data["movement"], "flags": {f: data["flags"][f] for f in FLAGS},
        "transitions": data["transitions"],
        "control_buying": data["control"]["buying_customers"], "control_sales_fen": data["control"]["sales_fen"],
    }


@pytest.mark.parametrize("actor", SCOPED)
def test_period_summaries_api_is_over_exactly_the_actors_customers(world, actor):
    client = api(world, actor)
    listed = client.get("/api/v1/periods/")
    assert listed.status_code == 200, listed.content
    bodies = {row["period"]: row for row in listed.json()["results"]}
    assert sorted(bodies) == ["2025-02", "2025-03"]
    for period in (P1, P):
        want = expected_period(VISIBLE[actor], period)
        assert served_period(bodies[f"{period:%Y-%m}"]) == want, (actor, period)
        detail = client.get(f"/api/v1/periods/{period:%Y-%m}/")
        assert detail.status_code == 200
        assert served_period(detail.json()) == want


@pytest.mark.parametrize("actor", ["admin", "manager"])
def test_period_summaries_api_is_the_stored_summary_for_whoever_sees_everything(world, actor):
    body = api(world, actor).get("/api/v1/periods/2025-03/").json()
    stored = PeriodSummary.objects.get(period=P)
    assert body["data"] == stored.data and body["customers"] == stored.customers == 4
    assert served_period(body) == expected_period(VISIBLE[actor], P)
