"""Receivable, overdue, punctuality and aging with oldest-first allocation (docs/analytics.md §2, §3.1)."""

import datetime as dt

import pandas as pd

from analytics.engine.receivables import aging_buckets, ledger_events, punctuality, receivable_overdue

T = dt.date(2024, 3, 31)
# customer 1: three invoices, partial payments and a return; customer 2: unpaid; customer 3: prepaid
REC = pd.DataFrame({
    "customer_id": [1, 1, 1, 2, 3],
    "issue_date": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-05", "2024-03-10"],
    "due_date": ["2024-01-31", "2024-03-02", "2024-03-31", "2024-02-04", "2024-04-09"],
    "amount_fen": [1000, 2000, 500, 700, 300],
})
PAY = pd.DataFrame({  # payments and credits (a return of 200 on 03-10 for customer 1)
    "customer_id": [1, 1, 1, 1, 3, 1],
    "date": ["2024-01-31", "2024-03-05", "2024-03-10", "2024-03-10", "2024-03-01", "2024-04-02"],
    "amount_fen": [600, 1000, 100, 200, 500, 5000],
})


def test_receivable_and_overdue_as_of_t():
    got = receivable_overdue(ledger_events(REC, PAY), T)
    # customer 1: issued 3500 - settled 1900 (the 04-02 payment is after T) = 1600;
    # due before T (01-31, 03-02; 03-31 is not before T) 3000 - 1900 = 1100
    assert got.to_dict("index") == {1: {"receivable_fen": 1600, "overdue_fen": 1100},
                                    2: {"receivable_fen": 700, "overdue_fen": 700},
                                    3: {"receivable_fen": 0, "overdue_fen": 0}}


def test_receivable_earlier_as_of():
    got = receivable_overdue(ledger_events(REC, PAY), dt.date(2024, 2, 1))
    # customer 1 on 02-01: issued 3000, paid 600; due before 02-01: 1000 -> overdue 400
    assert got.loc[1].to_dict() == {"receivable_fen": 2400, "overdue_fen": 400}


def test_punctuality_oldest_first():
    got = punctuality(REC, PAY, dt.date(2024, 1, 1), T)
    # customer 1: 1000 due 01-31, paid 600 by then -> 600 on time; 2000 due 03-02: only 600 paid by then, all
    # taken by the first invoice -> 0; 500 due 03-31: 1900 paid, 3000 ahead -> 0. 600 / 3500
    assert got.to_dict() == {1: 600 / 3500, 2: 0.0}
    # customer 3 has nothing due in the window -> absent (the caller counts 1.0)
    later = punctuality(REC, PAY, dt.date(2024, 4, 1), dt.date(2024, 4, 30))
    assert later.to_dict() == {3: 1.0}


def test_payment_on_due_date_is_on_time():
    rec = REC[REC["customer_id"] == 2]
    pay = pd.DataFrame({"customer_id": [2, 2], "date": ["2024-02-04", "2024-02-05"], "amount_fen": [300, 400]})
    assert punctuality(rec, pay, dt.date(2024, 2, 1), dt.date(2024, 2, 29)).to_dict() == {2: 300 / 700}


def test_aging_buckets_by_days_past_due():
    got = aging_buckets(REC, PAY, T)
    assert got.to_dict("index") == {
        1: {"current": 500, "d1_30": 1100, "d31_60": 0, "d61_90": 0, "d90_plus": 0},
        2: {"current": 0, "d1_30": 0, "d31_60": 700, "d61_90": 0, "d90_plus": 0},
        3: {"current": 0, "d1_30": 0, "d31_60": 0, "d61_90": 0, "d90_plus": 0},
    }
    far = aging_buckets(REC, PAY, dt.date(2024, 6, 1))
    assert far.loc[2].to_dict() == {"current": 0, "d1_30": 0, "d31_60": 0, "d61_90": 0, "d90_plus": 700}


def test_aging_adds_up_to_receivable_and_overdue():
    for day in (dt.date(2024, 1, 15), dt.date(2024, 2, 10), T, dt.date(2024, 5, 1)):
        aging = aging_buckets(REC, PAY, day)
        totals = receivable_overdue(ledger_events(REC, PAY), day).reindex(aging.index, fill_value=0)
        assert aging.sum(axis=1).tolist() == totals["receivable_fen"].tolist()
        assert aging.drop(columns="current").sum(axis=1).tolist() == totals["overdue_fen"].tolist()


def test_empty_and_untyped_frames():
    rec = REC[REC["customer_id"] == 2]
    untyped = pd.DataFrame({"customer_id": [], "date": [], "amount_fen": []})
    assert punctuality(rec, untyped, dt.date(2024, 1, 1), T).to_dict() == {2: 0.0}
    assert aging_buckets(rec, untyped, T).loc[2, "d31_60"] == 700
    assert punctuality(REC.iloc[:0], PAY, dt.date(2024, 1, 1), T).empty
    assert aging_buckets(REC.iloc[:0], PAY, T).empty
    assert receivable_overdue(ledger_events(REC.iloc[:0], untyped), T).empty
    # ids of another integer width still match
    pay = PAY.astype({"customer_id": "int32"})
    assert punctuality(REC, pay, dt.date(2024, 1, 1), T).to_dict() == {1: 600 / 3500, 2: 0.0}
