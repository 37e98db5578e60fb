"""Receivables of credit customers: balance and overdue as of T, punctuality, and aging.

docs/analytics.md §2 "Receivables" and 3.1 punctuality. Every non-cancelled order of a customer with credit terms > 0 is
a receivable (issued on the order date, due on order date + credit days); payments and credits (returns) are allocated
oldest-first. Oldest-first reads as "the debt that falls due first is settled first" (due date, then issue date): with
fixed credit terms this is the same as issue order, and it makes the overdue aging buckets add up to `overdue` exactly.

Frames (amounts in integer fen, dates as date / datetime64):
- receivables: customer_id, issue_date, due_date, amount_fen (> 0)
- payments: customer_id, date, amount_fen (> 0): payments and credits (the absolute amount of a return)
- events (receivable_overdue): customer_id, date, due_date, amount_fen; > 0 is a receivable, < 0 a payment
  or credit (due_date blank). `ledger_events` builds it from the two frames above.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

AGING_BUCKETS = ("current", "d1_30", "d31_60", "d61_90", "d90_plus")


def _ts(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).astype("datetime64[s]")


def ledger_events(receivables: pd.DataFrame, payments: pd.DataFrame) -> pd.DataFrame:
    """One signed event table from receivables (+) and payments / credits (-).

    docs/analytics.md §2 "Receivables".
    """
    rec = pd.DataFrame({"customer_id": receivables["customer_id"], "date": _ts(receivables["issue_date"]),
                        "due_date": _ts(receivables["due_date"]), "amount_fen": receivables["amount_fen"]})
    pay = pd.DataFrame({"customer_id": payments["customer_id"], "date": _ts(payments["date"]),
                        "due_date": pd.Series(pd.NaT, index=payments.index, dtype="datetime64[s]"),
                        "amount_fen": -payments["amount_fen"].astype("int64")})
    return pd.concat([rec, pay], ignore_index=True).astype({"amount_fen": "int64"})


def receivable_overdue(events: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Per customer: receivable_fen and overdue_fen as of T.

    docs/analytics.md §2: receivable = max(0, receivables issued <= T - payments and credits <= T);
    overdue = max(0, receivables due before T (strictly) - payments and credits <= T).
    """
    t = pd.Timestamp(as_of)
    ev = events[_ts(events["date"]) <= t]
    amount = ev["amount_fen"].astype("int64")
    positive = amount.clip(lower=0)
    due_before = positive.where(_ts(ev["due_date"]) < t, 0)
    sums = pd.DataFrame({"issued": positive, "due": due_before, "settled": (-amount).clip(lower=0),
                         "customer_id": ev["customer_id"]}).groupby("customer_id").sum()
    return pd.DataFrame({
        "receivable_fen": (sums["issued"] - sums["settled"]).clip(lower=0).astype("int64"),
        "overdue_fen": (sums["due"] - sums["settled"]).clip(lower=0).astype("int64"),
    })


def _ordered(receivables: pd.DataFrame) -> pd.DataFrame:
    """Receivables in allocation order with `before` = amount of the customer's receivables ahead of each."""
    rec = pd.DataFrame({"customer_id": receivables["customer_id"].to_numpy(),
                        "issue_date": _ts(receivables["issue_date"]).to_numpy(),
                        "due_date": _ts(receivables["due_date"]).to_numpy(),
                        "amount_fen": receivables["amount_fen"].astype("int64").to_numpy()})
    rec = rec.sort_values(["customer_id", "due_date", "issue_date"], kind="mergesort").reset_index(drop=True)
    rec["before"] = rec.groupby("customer_id")["amount_fen"].cumsum() - rec["amount_fen"]
    return rec


def _settled_by(rec: pd.DataFrame, payments: pd.DataFrame, at: pd.Series) -> pd.Series:
    """Total paid and credited by each receivable's customer on or before `at` (merge_asof per customer)."""
    if len(payments) == 0 or len(rec) == 0:
        return pd.Series(0, index=rec.index, dtype="int64")
    # merge_asof needs one key dtype on both sides (ids may arrive as int64 from one query, object from another)
    ids = payments["customer_id"].astype(rec["customer_id"].dtype)
    pay = pd.DataFrame({"customer_id": ids.to_numpy(), "at": _ts(payments["date"]).to_numpy(),
                        "amount_fen": payments["amount_fen"].astype("int64").to_numpy()})
    pay = pay.groupby(["customer_id", "at"], as_index=False)["amount_fen"].sum()
    pay = pay.sort_values(["customer_id", "at"], kind="mergesort")
    pay["paid"] = pay.groupby("customer_id")["amount_fen"].cumsum()
    left = pd.DataFrame({"customer_id": rec["customer_id"], "at": at.astype("datetime64[s]"), "row": rec.index})
    left = left.sort_values("at", kind="mergesort")
    pay = pay.sort_values("at", kind="mergesort")
    merged = pd.merge_asof(left, pay[["customer_id", "at", "paid"]], on="at", by="customer_id")
    return merged.set_index("row")["paid"].reindex(rec.index).fillna(0).astype("int64")


def _allocated(rec: pd.DataFrame, paid: pd.Series) -> pd.Series:
    """Part of each receivable covered oldest-first by `paid`: clip(paid - before, 0, amount)."""
    return (paid - rec["before"]).clip(lower=0).clip(upper=rec["amount_fen"])


def punctuality(receivables: pd.DataFrame, payments: pd.DataFrame, window_start: dt.date,
                window_end: dt.date) -> pd.Series:
    """Per customer with receivables due in the window: share of that amount paid (oldest-first) by its due date.

    docs/analytics.md §3.1 punctuality. Customers with nothing due in the window are absent; the caller counts them 1.0.
    A payment on the due date is on time.
    """
    rec = _ordered(receivables)
    paid = _settled_by(rec, payments, rec["due_date"])
    on_time = _allocated(rec, paid)
    in_window = (rec["due_date"] >= pd.Timestamp(window_start)) & (rec["due_date"] <= pd.Timestamp(window_end))
    sums = pd.DataFrame({"customer_id": rec["customer_id"], "due": rec["amount_fen"], "on_time": on_time})
    sums = sums[in_window].groupby("customer_id")[["due", "on_time"]].sum()
    sums = sums[sums["due"] > 0]
    return (sums["on_time"] / sums["due"]).rename("punctuality")


def aging_buckets(receivables: pd.DataFrame, payments: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Per customer: outstanding fen by days past the DUE date as of T; not yet due in its own bucket.

    docs/analytics.md §2 "Receivables" (oldest-first). Buckets: current (due on or after T), d1_30, d31_60, d61_90,
    d90_plus (days past due). They add up to receivable_fen; all but current add up to overdue_fen.
    """
    t = pd.Timestamp(as_of)
    issued = receivables[_ts(receivables["issue_date"]) <= t]
    settled = payments[_ts(payments["date"]) <= t]
    rec = _ordered(issued)
    paid = _settled_by(rec, settled, pd.Series(t, index=rec.index))
    outstanding = rec["amount_fen"] - _allocated(rec, paid)
    late = (t - rec["due_date"]).dt.days
    bucket = np.select([late <= 0, late <= 30, late <= 60, late <= 90], list(AGING_BUCKETS[:4]),
                       default=AGING_BUCKETS[4])
    table = pd.DataFrame({"customer_id": rec["customer_id"], "bucket": bucket, "fen": outstanding})
    out = table.pivot_table(index="customer_id", columns="bucket", values="fen", aggfunc="sum", fill_value=0)
    return out.reindex(columns=list(AGING_BUCKETS), fill_value=0).astype("int64").rename_axis(columns=None)
