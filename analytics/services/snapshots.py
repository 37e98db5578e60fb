"""Compute a period's snapshot and replace it atomically (docs/analytics.md §3 "What a snapshot keeps", 5 Jobs).

The whole computation runs inside one transaction that holds the period's lock row FOR UPDATE: a failed or
killed run rolls back and leaves the previous snapshot intact, and a second run of the same period waits
(up to `wait_seconds`) instead of interleaving. A re-run with the same inputs writes an identical table.
"""

import datetime as dt
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from analytics.aggregates import snapshot_inputs
from analytics.engine.control import control_alerts
from analytics.engine.snapshot import compute_snapshot, period_summary
from analytics.models import CustomerSnapshot, GradingPolicy, PeriodSummary, SnapshotLock, SnapshotRun, StalePeriod
from analytics.partitions import period_replace
from analytics.periods import fmt, month_end
from analytics.snapshot_version import bumped_once
from customers.models import Customer
from sales.bulk import bulk_insert_frame

from .derived import derived_columns, derived_refresh, derived_written
from .policies import policy_get, policy_of

WAIT_SECONDS = 600


class SnapshotBusy(RuntimeError):
    """Another run of the same period held the lock for longer than we were willing to wait."""


def lock_period(period: dt.date, wait_seconds: int) -> None:
    """Take the period's lock row FOR UPDATE inside the current transaction, waiting at most `wait_seconds`."""
    SnapshotLock.objects.get_or_create(period=period)
    _lock(SnapshotLock.objects.filter(period=period), wait_seconds, fmt(period))


def lock_periods(periods: list[dt.date] | None, wait_seconds: int) -> None:
    """Take the lock rows of `periods` (None: of every period there is) FOR UPDATE, in period order.

    For a writer that touches several periods' rows (an override, a churn rescore): it takes every lock before it
    reads a row, so it never holds the snapshot table while it waits, which would block a running recompute's
    partition swap (analytics/partitions.py) until that gave up.
    """
    locks = SnapshotLock.objects.all()
    if periods is not None:
        wanted = sorted(set(periods))
        if not wanted:
            return
        SnapshotLock.objects.bulk_create([SnapshotLock(period=p) for p in wanted], ignore_conflicts=True)
        locks = locks.filter(period__in=wanted)
    first_last = list(locks.order_by("period").values_list("period", flat=True))
    if first_last:
        _lock(locks, wait_seconds, f"{fmt(first_last[0])} .. {fmt(first_last[-1])}")


def _lock(locks: QuerySet[SnapshotLock], wait_seconds: int, what: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # set_config, not SET: SET takes no bound parameter, and psycopg binds them server-side.
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{int(wait_seconds * 1000)}ms"])
    try:
        list(locks.select_for_update().order_by("period").values_list("id", flat=True))  # row locks in period order
    except DatabaseError as exc:
        raise SnapshotBusy(
            f"another snapshot run of {what} is still going after {wait_seconds} s; try again later"
        ) from exc
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = 0")


def _money(fen: pd.Series) -> pd.arrays.ArrowExtensionArray:
    """Integer fen as exact decimals of 2 places, built from the integers' bits: an Arrow decimal128 is a 128-bit
    integer scaled by 10^-2, so the fen are its low word and their sign its high word. No Decimal object and no
    string per value (300k Decimals cost a second; text for the six columns 0.2 s). Arrow's CSV writer prints
    them as '-12.05' for COPY; elsewhere they become Decimals."""
    values = pd.Series(fen).astype("Int64")
    missing = values.isna().to_numpy()
    low = values.fillna(0).to_numpy(dtype="int64")
    words = np.empty((len(low), 2), dtype="int64")
    words[:, 0], words[:, 1] = low, low >> 63
    valid = pa.array(~missing).buffers()[1] if missing.any() else None
    array = pa.Array.from_buffers(pa.decimal128(18, 2), len(low), [valid, pa.py_buffer(words.tobytes())],
                                  null_count=int(missing.sum()))
    return pd.arrays.ArrowExtensionArray(array)


def _text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "").astype(str)


def _as_of_coupon(customers: pd.DataFrame, as_of: dt.date) -> pd.Series:
    """Last coupon date as of T: the live date when it is not after T (coupon history refines this)."""
    live = customers["customer_id"].map(
        dict(Customer.objects.exclude(last_coupon_date=None).values_list("id", "last_coupon_date"))
    )
    return live.where(live.notna() & (live.astype(object) <= as_of), None)  # type: ignore[operator]


SNAPSHOT_FIELDS = [
    "period", "customer_id", "code", "region_id", "salesperson_id", "grade", "computed_grade", "previous_grade",
    "movement", "override_active", "score", "sales", "orders", "profit", "window_sales", "sales_12m", "orders_12m",
    "mom_growth", "yoy_growth", "lifecycle", "is_new", "days_since_last_order", "sales_surge", "sales_plunge",
    "orders_surge", "orders_plunge", "receivable", "overdue", "first_order_date", "last_order_date",
    "last_visit_date", "last_coupon_date", "rfm_r", "rfm_f", "rfm_m", "rfm_segment", "quadrant", "action",
    "action_reason", "churn_risk", "churn_reasons",
]


def snapshot_table(frame: pd.DataFrame, customers: pd.DataFrame, period: dt.date,
                   derived: Mapping[str, pd.Series | None] | None = None) -> pd.DataFrame:
    """The engine's table with SNAPSHOT_FIELDS as columns: money as exact text, NA where NULL, whole numbers as
    nullable integers (so '3', never '3.0'), ready for COPY or for bulk_create. `derived`: the derived columns
    (analytics/services/derived.py: derived_columns), values per customer id, None or absent for a blank one."""
    extra = customers.set_index("customer_id").reindex(frame["customer_id"])
    ints = ["rfm_r", "rfm_f", "rfm_m", "days_since_last_order"]
    money = {"sales": "sales_fen", "profit": "profit_fen", "window_sales": "window_sales_fen",
             "sales_12m": "sales_fen_12m", "receivable": "receivable_fen", "overdue": "overdue_fen"}
    texts = ["previous_grade", "movement", "rfm_segment", "quadrant", "action_reason"]
    same = ["customer_id", "code", "grade", "computed_grade", "override_active", "score", "orders", "orders_12m",
            "mom_growth", "yoy_growth", "lifecycle", "is_new", "sales_surge", "sales_plunge", "orders_surge",
            "orders_plunge", "first_order_date", "last_order_date", "action"]
    columns: dict[str, Any] = {name: frame[name].to_numpy() for name in same}
    columns.update({name: frame[name].astype("Int64").array for name in ints})
    columns.update({name: _money(frame[source]) for name, source in money.items()})
    columns.update({name: _text(frame[name]).to_numpy() for name in texts})
    columns.update({
        "period": period, "region_id": extra["region_id"].astype("Int64").array,
        "salesperson_id": extra["owner_id"].astype("Int64").array,
        "last_visit_date": extra["last_visit_date"].to_numpy(),
        "last_coupon_date": extra["last_coupon_date"].to_numpy(),
    })
    for name in SNAPSHOT_FIELDS:  # the rest are derived columns: given, or blank (NULL, or "" for a text one)
        if name not in columns:
            field: Any = CustomerSnapshot._meta.get_field(name)
            blank = None if field.null else field.get_default()
            values = (derived or {}).get(name)
            columns[name] = blank if values is None else values.reindex(frame["customer_id"]).fillna(blank).to_numpy()
    return pd.DataFrame(columns, index=range(len(frame)))[SNAPSHOT_FIELDS]


def _plain(value: Any) -> Any:
    """JSON-safe copy of the engine's summary (numpy scalars, NaN)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return None if np.isnan(value) else float(value)
    return value


def _control(monthly: pd.DataFrame, policy: Any, period: dt.date) -> dict[str, Any]:
    """docs/analytics.md §3.5 figures of P: buying customers, sales, average order value, baselines and alerts."""
    totals = monthly.assign(buyer=monthly["sales_fen"] > 0).groupby("month").agg(
        buying_customers=("buyer", "sum"), sales_fen=("sales_fen", "sum"), orders=("orders", "sum")
    ).reset_index()
    if not len(totals):
        return {}
    table = control_alerts(totals, baseline_periods=policy.control.baseline_periods, drop=policy.control.drop)
    row = table[table["month"] == fmt(period)]
    return _plain(row.iloc[0].to_dict()) if len(row) else {}


def _write(period: dt.date, run: SnapshotRun, policy_row: GradingPolicy, frame: pd.DataFrame,
           customers: pd.DataFrame, control: dict[str, Any], reason: str) -> None:
    # Derived columns (the churn scores, issue 16) are written with the rows, on every path that computes a
    # period, so no recompute can leave them blank (analytics/services/derived.py declares them). Inside the
    # period's lock, so a model trained meanwhile rescores these rows after they commit.
    columns = derived_columns(period, [int(i) for i in frame["customer_id"]])
    rows = snapshot_table(frame, customers, period, derived=columns)
    if connection.vendor == "postgresql":
        period_replace(period, rows)  # a new partition swapped in, and the period's version moved
    else:
        with bumped_once(period):  # one move of the version for the whole rewrite, not two per row
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {CustomerSnapshot._meta.db_table} WHERE period = %s",  # noqa: S608
                               [period])
            bulk_insert_frame(CustomerSnapshot, rows)
    summary = _plain(period_summary(frame))
    summary["control"] = control
    now = timezone.now()
    previous = PeriodSummary.objects.filter(period=period).first()
    aov = summary["avg_order_value_fen"]
    PeriodSummary.objects.update_or_create(period=period, defaults={
        "run": run, "policy": policy_row, "customers": summary["customers"],
        "buying_customers": summary["buying_customers"], "orders": summary["orders"],
        "sales": Decimal(summary["sales_fen"]).scaleb(-2),
        "avg_order_value": None if aov is None else (Decimal(aov) / 100).quantize(Decimal("0.01")),
        "data": summary, "computed_at": now, "first_computed_at": previous.first_computed_at if previous else now,
        "restated": previous is not None, "restated_reason": reason if previous is not None else "",
    })
    run.restated = previous is not None


# A run still "running" this long after it started is dead: it waits at most WAIT_SECONDS for the period's lock and
# then computes in seconds to a minute; a worker killed mid-run never says so itself.
RUN_ABANDONED = dt.timedelta(seconds=WAIT_SECONDS) + dt.timedelta(minutes=20)


def snapshot_runs_abandon(*, period: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Mark failed the month runs left "running" by a worker that died (of `period`, or of every period: the beat's
    job sweep calls this, so a killed run does not stay "running" until its period happens to be computed again)."""
    runs = SnapshotRun.objects.filter(kind=SnapshotRun.Kind.MONTH, status=SnapshotRun.Status.RUNNING,
                                      started_at__lt=(now or timezone.now()) - RUN_ABANDONED)
    if period is not None:
        runs = runs.filter(period=period)
    return runs.update(status=SnapshotRun.Status.FAILED, error="abandoned: the worker stopped before finishing")


def snapshot_compute(*, period: dt.date, policy_version: int | None = None, reason: str = "",
                     wait_seconds: int = WAIT_SECONDS) -> SnapshotRun:
    """Compute the monthly snapshot of `period` (T = its last day) and replace the stored one atomically.

    docs/analytics.md §3; README.md, Jobs. Raises SnapshotBusy when another run of the period holds the lock too
    long; any other error marks the run failed and re-raises, leaving the previous snapshot as it was.
    """
    period = period.replace(day=1)
    policy_row = policy_get(policy_version)
    policy = policy_of(policy_row)
    snapshot_runs_abandon(period=period)
    run = SnapshotRun.objects.create(period=period, as_of=month_end(period), policy=policy_row, reason=reason)
    try:
        with transaction.atomic():
            lock_period(period, wait_seconds)
            started = time.perf_counter()
            inputs, customers = snapshot_inputs(policy, period)
            customers["last_coupon_date"] = _as_of_coupon(customers, month_end(period))
            aggregated = time.perf_counter()
            frame = compute_snapshot(inputs, policy, year=period.year, month=period.month)
            control = _control(inputs.monthly, policy, period)
            computed = time.perf_counter()
            _write(period, run, policy_row, frame, customers, control, reason)
            StalePeriod.objects.filter(period=period).delete()
            run.seconds_aggregate, run.seconds_engine = aggregated - started, computed - aggregated
            run.seconds_write = time.perf_counter() - computed
            # Everything else derived from the period, in the same transaction: a reader sees the new rows and
            # what is derived from them together, or none of them. The write itself moved the period's version
            # once (period_replace, bumped_once): that is the caches' refresh.
            derived_refresh(period, changed="snapshot", written=derived_written() | {"caches"})
            run.rows = len(frame)
    except BaseException as exc:
        run.status, run.error = SnapshotRun.Status.FAILED, f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    run.status, run.finished_at = SnapshotRun.Status.DONE, timezone.now()
    run.save()
    return run
