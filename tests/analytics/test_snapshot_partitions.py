"""PostgreSQL: a period's snapshot rows live in a partition of their own, swapped in whole by each recompute."""

import datetime as dt
import importlib
import signal
import subprocess
import time
from decimal import Decimal
from types import SimpleNamespace

import psycopg
import pytest
from django.db import connection

from analytics import partitions
from analytics.models import CustomerSnapshot, SnapshotLock, SnapshotRun
from analytics.partitions import DEFAULT, PARENT, SwapWaitTimeout, partition_name
from analytics.services.snapshots import snapshot_compute
from tests.analytics.stalled_run import start_stalled_run
from tests.conftest import database_url_for_subprocess
from tests.factories import CustomerFactory, CustomerSnapshotFactory, OrderFactory

pytestmark = pytest.mark.postgres
migration = importlib.import_module("analytics.migrations.0008_snapshot_partitions")

FEB, MAR = dt.date(2025, 2, 1), dt.date(2025, 3, 1)


def stalled_swap(period: dt.date, stall: float) -> subprocess.Popen:
    """A recompute of `period` stalled inside the swap, once its new partition is written (the parent is touched)."""
    return start_stalled_run(period=period, stall=stall, module="analytics.partitions", name="bulk_insert_frame")


def sql(query: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params or [])
        return cursor.fetchall()


def homes() -> list[tuple[str, str, int]]:
    """Which table each row lives in: (table, period, rows)."""
    return sql(f"SELECT tableoid::regclass::text, period::text, count(*) FROM {PARENT} GROUP BY 1, 2 ORDER BY 2, 1")


def table(period: dt.date) -> list[tuple]:
    return list(CustomerSnapshot.objects.filter(period=period).order_by("code")
                .values_list("code", "grade", "sales", "lifecycle", "previous_grade"))


def version(period: dt.date) -> int:
    return SnapshotLock.objects.get(period=period).version


@pytest.fixture
def ledger(transactional_db):
    a = CustomerFactory(code="A1", first_seen=dt.date(2025, 1, 1))
    b = CustomerFactory(code="B1", first_seen=dt.date(2025, 1, 1))
    OrderFactory(customer=a, order_date=dt.date(2025, 2, 3), amount=Decimal("900.00"))
    OrderFactory(customer=b, order_date=dt.date(2025, 3, 2), amount=Decimal("100.00"))
    return a, b


def test_each_period_is_its_own_partition_with_every_index_of_the_parent(ledger):
    snapshot_compute(period=FEB)
    snapshot_compute(period=MAR)
    assert homes() == [(partition_name(FEB), "2025-02-01", 2), (partition_name(MAR), "2025-03-01", 2)]
    # Every partitioned index of the parent has its index on the partition: attached, none built twice.
    missing = sql("""
        SELECT pi.relname FROM pg_index x JOIN pg_class pi ON pi.oid = x.indexrelid
        WHERE x.indrelid = %s::regclass AND NOT EXISTS (
            SELECT 1 FROM pg_inherits h JOIN pg_index c ON c.indexrelid = h.inhrelid
            WHERE h.inhparent = x.indexrelid AND c.indrelid = %s::regclass)""", [PARENT, partition_name(MAR)])
    assert missing == []
    parent_indexes = sql("SELECT count(*) FROM pg_index WHERE indrelid = %s::regclass", [PARENT])[0][0]
    own_indexes = sql("SELECT count(*) FROM pg_index WHERE indrelid = %s::regclass", [partition_name(MAR)])[0][0]
    assert own_indexes == parent_indexes == 11
    assert sql("SELECT count(*) FROM pg_class WHERE relname LIKE %s", [f"{PARENT}%_new"]) == [(0,)]


def test_recompute_swaps_the_partition_and_moves_the_version_once(ledger):
    snapshot_compute(period=MAR)
    before, ids, v = table(MAR), set(CustomerSnapshot.objects.values_list("id", flat=True)), version(MAR)
    OrderFactory(customer=ledger[0], order_date=dt.date(2025, 3, 20), amount=Decimal("5000.00"))
    snapshot_compute(period=MAR)
    assert version(MAR) == v + 1  # the list's cached counts and pages of the period are dropped
    assert table(MAR) == [("A1", "A", Decimal("5000.00"), "active", "A"), ("B1", "C", Decimal("100.00"), "active", "D")]
    assert before != table(MAR)
    assert ids.isdisjoint(CustomerSnapshot.objects.values_list("id", flat=True))  # ids from the one sequence
    assert homes() == [(partition_name(MAR), "2025-03-01", 2)]


def test_rows_written_elsewhere_wait_in_the_default_partition_until_their_period_is_computed(ledger):
    with connection.cursor() as cursor:  # a period never computed (partitions outlive a test's flush)
        cursor.execute(f"DROP TABLE IF EXISTS {partition_name(MAR)}")
    CustomerSnapshotFactory(period=MAR, customer=ledger[0], grade="B", lifecycle="never")
    assert homes() == [(DEFAULT, "2025-03-01", 1)]
    snapshot_compute(period=MAR)
    assert homes() == [(partition_name(MAR), "2025-03-01", 2)]
    assert [row[:2] for row in table(MAR)] == [("A1", "D"), ("B1", "A")]


def test_killed_mid_swap_leaves_the_previous_partition_and_no_half_built_table(ledger):
    snapshot_compute(period=MAR)
    before = table(MAR)
    OrderFactory(customer=ledger[1], order_date=dt.date(2025, 3, 9), amount=Decimal("5000.00"))
    proc = stalled_swap(MAR, stall=60)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert table(MAR) == before
    assert homes() == [(partition_name(MAR), "2025-03-01", 2)]
    assert sql("SELECT to_regclass(%s)", [f"{partition_name(MAR)}_new"]) == [(None,)]
    snapshot_compute(period=MAR, wait_seconds=5)
    assert [row[:3] for row in table(MAR)] == [("A1", "D", Decimal("0.00")), ("B1", "A", Decimal("5100.00"))]


def test_swaps_of_two_periods_take_turns_instead_of_deadlocking(ledger):
    snapshot_compute(period=FEB)
    snapshot_compute(period=MAR)
    # The other process holds MAR's new table (and the parent's ACCESS SHARE) mid-swap; FEB's swap, which must
    # drop a partition, waits for it, then goes.
    proc = stalled_swap(MAR, stall=2)
    run = snapshot_compute(period=FEB)
    assert proc.wait(timeout=60) == 0, proc.stdout.read() if proc.stdout else ""
    assert run.status == "done"
    assert [h[:2] for h in homes()] == [(partition_name(FEB), "2025-02-01"), (partition_name(MAR), "2025-03-01")]


def test_migration_back_and_forth_keeps_rows_indexes_and_triggers(ledger):
    snapshot_compute(period=FEB)
    snapshot_compute(period=MAR)
    rows = sorted(CustomerSnapshot.objects.values_list("id", "period", "code", "grade", "sales"))
    editor = SimpleNamespace(connection=connection)
    migration.backwards(None, editor)
    assert sql("SELECT relkind FROM pg_class WHERE relname = %s", [PARENT]) == [("r",)]
    assert sorted(CustomerSnapshot.objects.values_list("id", "period", "code", "grade", "sales")) == rows
    assert sql("SELECT count(*) FROM pg_index WHERE indrelid = %s::regclass", [PARENT]) == [(11,)]
    migration.forwards(None, editor)
    assert sql("SELECT relkind FROM pg_class WHERE relname = %s", [PARENT]) == [("p",)]
    assert sorted(CustomerSnapshot.objects.values_list("id", "period", "code", "grade", "sales")) == rows
    assert [h[:2] for h in homes()] == [(partition_name(FEB), "2025-02-01"), (partition_name(MAR), "2025-03-01")]
    v = version(MAR)
    CustomerSnapshot.objects.filter(period=MAR, code="A1").delete()  # the version triggers are back
    assert version(MAR) == v + 1
    snapshot_compute(period=MAR)
    assert len(table(MAR)) == 2
    assert max(CustomerSnapshot.objects.values_list("id", flat=True)) > max(r[0] for r in rows)


def test_a_swap_waits_for_readers_only_so_long_then_leaves_the_previous_rows(ledger, monkeypatch):
    snapshot_compute(period=MAR)
    before = table(MAR)
    OrderFactory(customer=ledger[0], order_date=dt.date(2025, 3, 20), amount=Decimal("5000.00"))
    monkeypatch.setattr(partitions, "SWAP_WAIT_SECONDS", 1)
    reader = psycopg.connect(database_url_for_subprocess())  # a long read, say an export still streaming
    try:
        with reader.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {PARENT}")  # its transaction stays open: the lock is held
        started = time.monotonic()
        with pytest.raises(SwapWaitTimeout, match="^the snapshot of 2025-03 was computed but not swapped in: "
                           "readers held the snapshot rows for more than 1 s; it will be tried again$"):
            snapshot_compute(period=MAR)
        assert 0.9 < time.monotonic() - started < 10
    finally:
        reader.close()
    assert table(MAR) == before
    assert SnapshotRun.objects.order_by("-id").first().status == "failed"
    snapshot_compute(period=MAR)  # nobody reading now: it goes through
    assert [row[:2] for row in table(MAR)] == [("A1", "A"), ("B1", "C")]
