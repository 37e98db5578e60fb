"""The snapshot's fast write (plain tuples, one executemany; sales.bulk.bulk_insert_frame) stores exactly what
Django's bulk_create stored, and a recompute moves the period's version once, with the triggers back afterwards."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.db import connection, transaction

from analytics.models import CustomerSnapshot, SnapshotLock
from analytics.services.snapshots import SNAPSHOT_FIELDS, _money, snapshot_compute
from analytics.snapshot_version import bumped_once
from sales.bulk import _bulk_create, bulk_insert_frame
from tests.factories import CustomerFactory, OrderFactory

P = dt.date(2025, 3, 1)


def _frame(customers: list, period: dt.date) -> pd.DataFrame:
    """Every column kind of a snapshot table, with NULLs, negative and whole money, and odd floats."""
    n = len(customers)
    fen = pd.Series([1205, -1, 0, 10_000_000_000_01, 500][:n], dtype="Int64")
    days = pd.Series([dt.date(2025, 3, 31), None, dt.date(2024, 2, 29), pd.NaT, dt.date(2025, 1, 1)][:n],
                     dtype=object)
    columns = {
        "period": period, "customer_id": [c.id for c in customers], "code": [c.code for c in customers],
        "region_id": pd.Series([c.region_id for c in customers], dtype="Int64").array,
        "salesperson_id": pd.array([None] * n, dtype="Int64"),
        "grade": ["A", "B", "C", "D", "A"][:n], "computed_grade": ["A", "B", "C", "D", "B"][:n],
        "previous_grade": ["", "A", "B", "", "C"][:n], "movement": ["new", "down", "down", "", "up"][:n],
        "override_active": np.array([False, True, False, False, True][:n]),
        "score": np.array([0.1, np.nan, 1 / 3, 1e-9, 2.5][:n]),
        "sales": _money(fen), "orders": np.array([3, 0, 1, 2, 7][:n]), "profit": _money(-fen),
        "window_sales": _money(fen), "sales_12m": _money(fen * 12), "orders_12m": np.array([30, 0, 1, 2, 7][:n]),
        "mom_growth": np.array([np.nan, -1.0, 0.25, 3.0, 0.1][:n]), "yoy_growth": np.full(n, np.nan),
        "lifecycle": ["active", "churned", "at_risk", "never", "active"][:n],
        "is_new": np.array([True, False, False, False, True][:n]),
        "days_since_last_order": pd.array([0, None, 45, None, 400][:n], dtype="Int64"),
        "sales_surge": np.zeros(n, dtype=bool), "sales_plunge": np.ones(n, dtype=bool),
        "orders_surge": np.zeros(n, dtype=bool), "orders_plunge": np.zeros(n, dtype=bool),
        "receivable": _money(fen), "overdue": _money(fen * 0),
        "first_order_date": days.to_numpy(), "last_order_date": days.to_numpy(),
        "last_visit_date": np.full(n, None), "last_coupon_date": np.full(n, np.nan),
        "rfm_r": pd.array([1, 2, None, 4, 5][:n], dtype="Int64"), "rfm_f": pd.array([5] * n, dtype="Int64"),
        "rfm_m": pd.array([None] * n, dtype="Int64"), "rfm_segment": ["champions", "", "lost", "", "new"][:n],
        "quadrant": [""] * n, "action": ["keep", "win_back", "call", "first_order_offer", "grow"][:n],
        "action_reason": ["", "churned", "", "never_ordered", ""][:n],
        "churn_risk": np.array([0.1234, np.nan, 0.9, 0.0, 1.0][:n], dtype=object),
        "churn_reasons": np.array(["gaps_growing buying_less", "", "long_since_last_order", "", ""][:n], dtype=object),
    }
    return pd.DataFrame(columns, index=range(n))[SNAPSHOT_FIELDS]


def _stored(period: dt.date) -> list[tuple]:
    fields = [f for f in SNAPSHOT_FIELDS if f != "period"]
    return list(CustomerSnapshot.objects.filter(period=period).order_by("code").values_list("period", *fields))


def _types(period: dt.date) -> list[tuple]:
    """How the database stores each cell (SQLite: typeof; the same question elsewhere is the Python value's)."""
    if connection.vendor != "sqlite":
        return [tuple(type(v) for v in row) for row in _stored(period)]
    cols = ", ".join(f'typeof("{CustomerSnapshot._meta.get_field(f).column}")' for f in SNAPSHOT_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {cols} FROM analytics_customersnapshot WHERE period = %s ORDER BY code",  # noqa: S608
                       [period.isoformat()])
        return cursor.fetchall()


@pytest.mark.django_db
def test_the_tuple_write_stores_what_bulk_create_stored():
    customers = [CustomerFactory(code=f"C{i}") for i in range(5)]
    other = dt.date(2025, 4, 1)
    frame = _frame(customers, P)
    cells = frame.astype(object).where(frame.notna(), None)
    _bulk_create(CustomerSnapshot, list(frame.columns), cells.itertuples(index=False, name=None))  # the old way
    bulk_insert_frame(CustomerSnapshot, _frame(customers, other))
    old, new = _stored(P), _stored(other)
    assert [row[1:] for row in new] == [row[1:] for row in old]
    assert new[0][SNAPSHOT_FIELDS.index("sales")] == Decimal("12.05")
    assert new[3][SNAPSHOT_FIELDS.index("sales")] == Decimal("10000000000.01")
    assert _types(other) == _types(P)


@pytest.fixture
def ledger(db):
    for i in range(3):
        customer = CustomerFactory(code=f"L{i}", first_seen=dt.date(2024, 1, 1))
        OrderFactory(customer=customer, order_date=dt.date(2025, 3, 10 + i), amount=Decimal("100.00"))


def _version(period: dt.date) -> int:
    return SnapshotLock.objects.get(period=period).version


@pytest.mark.django_db
def test_a_recompute_moves_the_version_once_and_leaves_the_triggers_on(ledger):
    snapshot_compute(period=P)
    v = _version(P)
    snapshot_compute(period=P)  # deletes and inserts 3 rows: per-row triggers would move it 6 times
    assert _version(P) == v + 1
    CustomerSnapshot.objects.filter(period=P, code="L0").delete()  # any other writer still moves it
    assert _version(P) == v + 2


@pytest.mark.django_db
def test_a_failed_bulk_write_keeps_the_triggers(ledger):
    snapshot_compute(period=P)
    v = _version(P)
    with pytest.raises(RuntimeError), transaction.atomic(), bumped_once(P):
        CustomerSnapshot.objects.filter(period=P).delete()
        raise RuntimeError("disk full")
    assert CustomerSnapshot.objects.filter(period=P).count() == 3
    assert _version(P) == v
    CustomerSnapshot.objects.filter(period=P, code="L1").update(action="grow")
    assert _version(P) > v  # the update trigger is on again
