"""Aggregate scoping (issue 17, Tests): every figure the product shows or serves, for a regional manager and a
salesperson, equals the same figure computed over exactly their customers. A leak of an aggregate fails it, not only
a leak of rows.

Two oracles, neither going through customers.selectors:
- the period summaries, counted here in Python from the snapshot rows of the codes the world says the actor may see
  (VISIBLE in conftest);
- every page and endpoint at once (dashboard figures and charts, matrix, pulse, outcomes, worklist completion and
  items, list counts, exports, API lists): what the actor gets in the full world equals what the admin gets in the
  same world with every other customer deleted and the months recomputed. The world grades by fixed amounts, so no
  customer's figures depend on another's, and any difference is a figure that counted someone else's customers.
"""

import csv
import dataclasses
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from analytics.models import CustomerSnapshot, PeriodSummary
from analytics.services.pulse import pulse_compute
from analytics.services.snapshots import snapshot_compute
from coupons.models import CouponIssue
from customers.models import Customer
from sales.models import Order, Payment
from tests.factories import CustomerFactory, UserFactory, VisitFactory
from tests.security.conftest import ALL_CODES, P1, VISIBLE, P, World

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


# Every figure of the product, as one actor gets it ----------------------------------------------------------------

DASH_FLAGS = ("is_new", "sales_surge", "sales_plunge", "orders_surge", "orders_plunge")


def _dashboard(client: Client) -> dict[str, Any]:
    ctx = client.get("/?period=2025-03").context
    summary = ctx["summary"]
    return {
        "totals": {k: summary[k] for k in ("customers", "buying_customers", "orders", "sales_fen")},
        "grades": [(g["grade"], g["customers"], g["sales"], g["customer_share"], g["sales_share"],
                    g["cumulative_share"]) for g in ctx["grades"]],
        "lifecycle": {k: v["customers"] for k, v in summary["lifecycle"].items()},
        "flags": {f: summary["flags"].get(f, 0) for f in DASH_FLAGS},
        "tiles": [(t["key"], t["value"]) for t in ctx["tiles"]],
        "matrix": [[c["n"] for c in row["cells"]] for row in ctx["matrix"]],
        "control": ctx["control"], "sales": ctx["sales"], "movers": [m.code for m in ctx["movers"]],
        "grade_chart": ctx["grade_figure"], "trend_charts": [t["figure"] for t in ctx["trends"]],
        "pulse": ctx["pulse"], "any_customer": ctx["counts"],
    }


# The RFM segment ranks a customer among the whole book (quintiles, docs/analytics.md §3.4): a per-customer column
# measured against everyone by definition, not an aggregate of the actor's customers, so the oracle leaves it out. By
# its CSV name and by the XLSX's header in the user's language.
RELATIVE_COLUMNS = {"rfm_segment", "RFM 分群", "RFM segment"}


def _table(rows: list[list[Any]]) -> list[tuple[str, ...]]:
    """Rows of an export, the header first, without the relative columns, as text, body sorted."""
    keep = [i for i, name in enumerate(rows[0]) if name not in RELATIVE_COLUMNS]
    # An XLSX row read back ends at its last written cell: a blank last column (the shop type) is no cell at all.
    rows = [list(r) + [None] * (len(rows[0]) - len(r)) for r in rows]
    text = [tuple("" if r[i] is None else str(r[i]) for i in keep) for r in rows]
    return [text[0], *sorted(text[1:])]


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _list_and_exports(client: Client) -> dict[str, Any]:
    ctx = client.get("/customers/?period=2025-03").context
    exported = _body(client.get("/customers/export.csv?period=2025-03")).decode("utf-8-sig")
    xlsx = _body(client.get("/customers/export.xlsx?period=2025-03"))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True).active
    return {"list_count": ctx["page"].paginator.count, "grade_counts": ctx["grade_counts"],
            "csv": _table(list(csv.reader(io.StringIO(exported)))),
            "xlsx": _table([list(r) for r in sheet.iter_rows(values_only=True)])}


def _worklist(client: Client, salesperson_id: int | None) -> dict[str, Any]:
    url = "/worklist/" + (f"?salesperson={salesperson_id}" if salesperson_id else "")
    ctx = client.get(url).context
    day = ctx.get("day")  # today's items and the ones folded under "later": all of the scope's work
    out: dict[str, Any] = {"total": day.total if day else None,
                           "items": sorted(i.code for i in day.today + day.later) if day else []}
    if ctx.get("completion") is not None:
        out["completion"] = [{k: v for k, v in row.items() if k != "salesperson_id"} for row in ctx["completion"]]
    outcomes = client.get("/dashboard/outcomes/").context["outcomes"]
    out["outcomes"] = dataclasses.asdict(outcomes) if outcomes else None
    return out


def _api(user: Any) -> dict[str, Any]:
    client = APIClient()
    client.force_authenticate(user)

    def every(url: str) -> list[dict[str, Any]]:
        body = client.get(url, {"page_size": 500}).json()
        return body["results"]

    periods = every("/api/v1/periods/")
    keep = ("period", "customers", "buying_customers", "orders", "sales", "avg_order_value", "data")
    return {
        "periods": [{k: p[k] for k in keep} for p in periods],
        "customers": sorted(c["code"] for c in every("/api/v1/customers/")),
        "snapshots": {period: sorted((r["code"], r["grade"], r["sales"], r["lifecycle"], r["receivable"])
                                     for r in every(f"/api/v1/snapshots/?period={period}"))
                      for period in ("2025-02", "2025-03")},
        "visits": len(every("/api/v1/visits/")), "coupon_issues": len(every("/api/v1/coupon-issues/")),
    }


def everything(user: Any, *, salesperson_id: int | None = None) -> dict[str, Any]:
    """Every aggregate the product shows or serves to `user` (the worklist as for `salesperson_id` when given)."""
    cache.clear()  # figures are cached under keys of what they depend on; the oracle changes the data underneath
    client = Client()
    client.force_login(user)
    return {"dashboard": _dashboard(client), **_list_and_exports(client), **_worklist(client, salesperson_id),
            "api": _api(user)}


def only_customers(codes: set[str]) -> None:
    """Delete every other customer with their rows, then recompute the months and the pulse."""
    others = Customer.objects.exclude(code__in=codes)
    CouponIssue.objects.filter(customer__in=others).delete()
    Order.objects.filter(customer__in=others).delete()
    Payment.objects.filter(customer__in=others).delete()
    others.delete()
    for period in (P1, P):
        snapshot_compute(period=period)
    pulse_compute(as_of=dt.date(2025, 3, 31))


def give_the_worklist_something_to_do(world: World) -> dict[str, set[str]]:
    """Make some of the world's customers ask for an action, one of them settled: 00102 and 00202 skip March
    (no purchase in P), a new customer 00103 of 张三 in 广州 never orders, 00102 gets a visit after T. Returns the
    actors' visible codes with 00103 added where it belongs."""
    Order.objects.filter(customer__code__in=["00102", "00202"], order_date__gte=P).delete()
    gz = world.customers["00101"].region
    newcomer = CustomerFactory(code="00103", name="新客户", owner=world.salespeople["sales1"], region=gz)
    VisitFactory(customer=world.customers["00102"], date=dt.date(2025, 4, 5), note="跟进")
    for period in (P1, P):
        snapshot_compute(period=period)
    pulse_compute(as_of=dt.date(2025, 3, 31))
    return {actor: codes | ({newcomer.code} if actor in ("south_manager", "sales1") else set())
            for actor, codes in VISIBLE.items()}


@pytest.mark.parametrize("actor", SCOPED)
def test_every_aggregate_is_over_exactly_the_actors_customers(world, actor):
    visible = give_the_worklist_something_to_do(world)[actor]
    salesperson = world.salespeople.get(actor)
    got = everything(world.users[actor], salesperson_id=None)
    assert got["api"]["customers"] == sorted(visible)  # the world is what the oracle assumes
    assert got["total"] if salesperson else got["completion"]  # something to compare
    with transaction.atomic():
        only_customers(visible)
        assert set(Customer.objects.values_list("code", flat=True)) == visible != ALL_CODES | {"00103"}
        want = everything(world.users["admin"], salesperson_id=salesperson.pk if salesperson else None)
        transaction.set_rollback(True)
    if salesperson is None:  # a manager: completion per salesperson, and no items until one is chosen
        assert got["total"] is None
    else:  # a salesperson: their own items; the admin sees them by choosing that salesperson
        want.pop("completion")
    assert got.keys() == want.keys()
    for key in got:
        assert got[key] == want[key], key


def test_a_manager_whose_regions_are_gone_gets_no_aggregate_at_all(world):
    """Issue 17 item 2: a manager left with no region (their region deleted, say) sees an empty company, not the
    whole one: every figure equals the admin's in a world without customers."""
    give_the_worklist_something_to_do(world)
    bare = UserFactory(username="bare_mgr", role="manager")
    got = everything(bare)
    assert got["api"]["customers"] == [] and got["dashboard"]["totals"]["customers"] == 0
    with transaction.atomic():
        only_customers(set())
        want = everything(world.users["admin"])
        transaction.set_rollback(True)
    # An empty book's stored trend draws flat zero lines where a scope with no rows draws none: both show nothing.
    assert not any(card["value"] for card in want["dashboard"].pop("control"))
    assert got["dashboard"].pop("control") == [] and got["dashboard"].pop("trend_charts") == []
    want["dashboard"].pop("trend_charts")
    # Likewise the worklist: with no snapshot at all there is no period to report on; in an empty scope the period
    # has nothing listed and nobody to win back.
    assert got.pop("completion") == [] and "completion" not in want
    outcomes = got.pop("outcomes")
    assert (outcomes["population"], outcomes["without_action"]) == (0, 0) and want.pop("outcomes") is None
    assert not any(row["treated"] for row in outcomes["rows"])
    assert got.keys() == want.keys()
    for key in got:
        assert got[key] == want[key], key
