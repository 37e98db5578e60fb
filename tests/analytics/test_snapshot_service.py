"""The database side of a snapshot: aggregates, the engine, the stored table and its summary."""

import datetime as dt
import io
from decimal import Decimal

import pytest

from analytics.models import CustomerSnapshot, PeriodSummary, SnapshotRun
from analytics.services.policies import policy_set
from analytics.services.snapshots import snapshot_compute
from sales.models import Order, Payment
from tests.factories import CustomerFactory, OrderFactory, SalespersonFactory

P = dt.date(2025, 3, 1)


def order(customer, day, amount, *, status=Order.Status.CONFIRMED, cost=None):
    return OrderFactory(customer=customer, order_date=day, amount=Decimal(amount),
                        cost=Decimal(cost if cost is not None else "0"), status=status)


@pytest.fixture
def ledger(db):
    """Five customers hand-built so that every figure below can be checked with a pencil."""
    sp = SalespersonFactory(name="张三")
    big = CustomerFactory(code="001", owner=sp, first_seen=dt.date(2024, 1, 1), credit_days=30)
    mid = CustomerFactory(code="002", owner=sp, first_seen=dt.date(2024, 1, 1))
    small = CustomerFactory(code="003", owner=sp, first_seen=dt.date(2024, 1, 1))
    never = CustomerFactory(code="004", owner=sp, first_seen=dt.date(2024, 6, 1))
    later = CustomerFactory(code="005", owner=sp, first_seen=dt.date(2025, 4, 2))
    # big: 120,000 in March (two orders), 60,000 in February; owes on credit.
    order(big, dt.date(2025, 2, 10), "60000.00", cost="40000")
    order(big, dt.date(2025, 3, 5), "100000.00", cost="70000")
    order(big, dt.date(2025, 3, 20), "20000.00", cost="15000")
    Payment.objects.create(payment_no="PAY1", customer=big, date=dt.date(2025, 3, 1), amount=Decimal("50000.00"))
    # mid: 55,000 in March with a 5,000 return; nothing before.
    order(mid, dt.date(2025, 3, 3), "60000.00")
    order(mid, dt.date(2025, 3, 9), "-5000.00")
    # small: last bought 2024-12-01 (120 days before 2025-03-31): churned; a cancelled March order never counts.
    order(small, dt.date(2024, 12, 1), "9000.00")
    order(small, dt.date(2025, 3, 15), "99999.00", status=Order.Status.CANCELLED)
    order(later, dt.date(2025, 4, 5), "1000.00")
    return {"big": big, "mid": mid, "small": small, "never": never, "later": later}


def table():
    return list(CustomerSnapshot.objects.filter(period=P).order_by("code").values_list(
        "code", "grade", "previous_grade", "movement", "sales", "orders", "profit", "lifecycle", "is_new",
        "days_since_last_order", "receivable", "overdue", "action",
    ))


@pytest.mark.django_db
def test_fixed_amount_snapshot_table_by_hand(ledger):
    policy_set(data={"method": "fixed_amount"})
    run = snapshot_compute(period=P)
    assert (run.status, run.rows) == ("done", 4)  # 005 is first seen after T: not covered
    assert table() == [
        # big: A (120k >= 100k), was B in Feb (60k); receivable 180k - 50k paid; due before 03-31: only the
        # 02-10 order (due 03-12), 60k - 50k = 10k overdue.
        ("001", "A", "B", "up", Decimal("120000.00"), 2, Decimal("35000.00"), "active", False, 11,
         Decimal("130000.00"), Decimal("10000.00"), "keep"),
        # mid: 55k net of the return, B; first order in March: new; not covered in Feb? first_seen 2024: covered,
        # no sales in Feb: D.
        ("002", "B", "D", "up", Decimal("55000.00"), 1, Decimal("55000.00"), "active", True, 28,
         Decimal("0.00"), Decimal("0.00"), "grow"),
        ("003", "D", "D", "same", Decimal("0.00"), 0, Decimal("0.00"), "churned", False, 120,
         Decimal("0.00"), Decimal("0.00"), "win_back"),
        ("004", "D", "D", "same", Decimal("0.00"), 0, Decimal("0.00"), "never", False, None,
         Decimal("0.00"), Decimal("0.00"), "first_order_offer"),
    ]
    summary = PeriodSummary.objects.get(period=P)
    assert summary.buying_customers == 2
    assert summary.sales == Decimal("175000.00")
    assert summary.data["transitions"]["B"]["A"] == 1
    assert summary.restated is False


@pytest.mark.django_db
def test_rerun_gives_identical_table_and_marks_restated(ledger):
    snapshot_compute(period=P)
    first = table()
    run = snapshot_compute(period=P, reason="late import")
    assert table() == first
    assert run.restated is True
    summary = PeriodSummary.objects.get(period=P)
    assert (summary.restated, summary.restated_reason) == (True, "late import")


@pytest.mark.django_db
def test_failed_run_leaves_previous_snapshot(ledger, monkeypatch):
    snapshot_compute(period=P)
    before = table()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("analytics.services.snapshots.period_summary", boom)
    with pytest.raises(RuntimeError):
        snapshot_compute(period=P)
    assert table() == before
    failed = SnapshotRun.objects.order_by("-id").first()
    assert (failed.status, failed.error) == ("failed", "RuntimeError: disk full")


@pytest.mark.django_db
def test_an_import_marks_computed_periods_stale_and_recomputes_them(
    ledger, tmp_path, django_capture_on_commit_callbacks
):
    from analytics.models import StalePeriod
    from sales.imports.service import import_file

    snapshot_compute(period=P)
    assert CustomerSnapshot.objects.get(period=P, code="003").sales == Decimal("0.00")
    ledger_file = tmp_path / "late.csv"
    ledger_file.write_text("order_no,order_date,customer_code,amount\nLATE-1,2025-03-30,003,12000.00\n")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = import_file(kind="sales", path=ledger_file, name="late.csv", user=None, dry_run=False)
    assert report.periods == ["2025-03"]
    # The sweep was queued after the import committed, it queued the fill job after its own commit, and the
    # recompute of the latest closed month queued the pulse that follows it (analytics/services/derived.py).
    assert len(callbacks) == 3
    assert not StalePeriod.objects.exists()
    row = CustomerSnapshot.objects.get(period=P, code="003")
    assert (row.sales, row.lifecycle) == (Decimal("12000.00"), "active")
    assert PeriodSummary.objects.get(period=P).restated_reason == "import of late.csv"


@pytest.mark.django_db
def test_churn_risk_fill_writes_scores_or_leaves_blank(ledger, monkeypatch):
    import pandas as pd

    from analytics.services.churn_fill import snapshot_churn_fill

    snapshot_compute(period=P)
    monkeypatch.setattr("analytics.services.churn_fill.churn_risk_scores", lambda **kw: None)
    assert snapshot_churn_fill(period=P) == 0
    assert set(CustomerSnapshot.objects.filter(period=P).values_list("churn_risk", flat=True)) == {None}
    ids = {c.code: c.id for c in ledger.values()}
    scores = pd.DataFrame({"churn_risk": [0.123456, float("nan")], "churn_reasons": ["buying_less", ""]},
                          index=[ids["001"], ids["002"]])
    monkeypatch.setattr("analytics.services.churn_fill.churn_risk_scores", lambda **kw: scores)
    assert snapshot_churn_fill(period=P) == 1
    stored = {code: (risk, why) for code, risk, why in
              CustomerSnapshot.objects.filter(period=P).values_list("code", "churn_risk", "churn_reasons")}
    assert stored == {"001": (0.1235, "buying_less"), "002": (None, ""), "003": (None, ""), "004": (None, "")}
    # A model that no longer wins blanks the reasons with the scores.
    monkeypatch.setattr("analytics.services.churn_fill.churn_risk_scores", lambda **kw: None)
    assert snapshot_churn_fill(period=P) == 0
    assert set(CustomerSnapshot.objects.filter(period=P).values_list("churn_risk", "churn_reasons")) == {(None, "")}


def test_money_text_is_exact_for_any_fen():
    from hypothesis import given
    from hypothesis import strategies as st

    from analytics.services.snapshots import _money

    @given(st.lists(st.one_of(st.none(), st.integers(-(10**14), 10**14)), max_size=50))
    def check(values):
        import pandas as pd
        import pyarrow as pa
        import pyarrow.csv as pacsv

        out = _money(pd.Series(values, dtype="Int64"))
        expected = [None if v is None else Decimal(v).scaleb(-2) for v in values]
        decimals = list(out.to_numpy(dtype=object, na_value=None))
        assert decimals == expected
        assert [None if d is None else str(d) for d in decimals] == [None if e is None else str(e) for e in expected]
        if values:  # what COPY reads: Arrow's CSV text of each, an empty field for NULL
            buffer = io.BytesIO()
            pacsv.write_csv(pa.table({"m": out._pa_array}), buffer, pacsv.WriteOptions(include_header=False))
            assert buffer.getvalue().decode().splitlines() == ["" if e is None else str(e) for e in expected]

    check()
