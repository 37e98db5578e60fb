"""A version per period that moves with every write to its snapshot rows, kept by database triggers.

Caches of figures read from a period's rows (the list's grade-tab counts) are keyed by it. Rows are written by a
recompute, the churn-risk fill, a merge (it deletes the merged customer's rows) and whatever else may come; a
trigger bumps the version for all of them, in the writer's own transaction, so a reader sees the new version
exactly when it sees the new rows. The counter lives on the period's SnapshotLock row, which a recompute holds
FOR UPDATE anyway.

A bulk writer of a whole period moves it once, not once per row (`bumped_once`): SQLite runs triggers for each
row, and a period's 24,000-row rewrite (a delete and an insert) cost 48,000 trigger programs, more than half of
the write even with a WHEN that skipped their body (issue 18 item 9). PostgreSQL's run once per statement.
"""

# ruff: noqa: S608 - every piece of SQL here is a constant of this module: no input ever reaches it.

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from analytics.models import SnapshotLock
from core.triggers import Triggers

LOCKS = "analytics_snapshotlock"
ROWS = "analytics_customersnapshot"


def _pg_bump(table: str) -> str:
    return (f"INSERT INTO {LOCKS} AS l (period, version) SELECT DISTINCT period, 1 FROM {table} ORDER BY period "
            "ON CONFLICT (period) DO UPDATE SET version = l.version + 1;")


# What the triggers do, for a write they cannot see: a partition swapped in by DDL (analytics/partitions.py).
PG_BUMP_PERIOD = (f"INSERT INTO {LOCKS} AS l (period, version) VALUES (%s, 1) "
                  "ON CONFLICT (period) DO UPDATE SET version = l.version + 1")


PG_INSTALL = f"""
CREATE OR REPLACE FUNCTION analytics_snapshot_version_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {_pg_bump("new_rows")} RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION analytics_snapshot_version_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {_pg_bump("old_rows")} RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION analytics_snapshot_version_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE {LOCKS} SET version = version + 1; RETURN NULL; END $$;
CREATE TRIGGER snapshot_version_insert AFTER INSERT ON {ROWS} REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analytics_snapshot_version_new();
CREATE TRIGGER snapshot_version_update AFTER UPDATE ON {ROWS} REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analytics_snapshot_version_new();
CREATE TRIGGER snapshot_version_delete AFTER DELETE ON {ROWS} REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analytics_snapshot_version_old();
CREATE TRIGGER snapshot_version_truncate AFTER TRUNCATE ON {ROWS}
    FOR EACH STATEMENT EXECUTE FUNCTION analytics_snapshot_version_all();
"""
PG_UNINSTALL = f"""
DROP TRIGGER IF EXISTS snapshot_version_insert ON {ROWS};
DROP TRIGGER IF EXISTS snapshot_version_update ON {ROWS};
DROP TRIGGER IF EXISTS snapshot_version_delete ON {ROWS};
DROP TRIGGER IF EXISTS snapshot_version_truncate ON {ROWS};
DROP FUNCTION IF EXISTS analytics_snapshot_version_new(), analytics_snapshot_version_old(),
    analytics_snapshot_version_all();
"""


def _sqlite_bump(ref: str) -> str:
    return (f"INSERT INTO {LOCKS} (period, version) VALUES ({ref}.period, 1) "
            "ON CONFLICT (period) DO UPDATE SET version = version + 1;")


SQLITE_INSTALL = [
    f"CREATE TRIGGER snapshot_version_insert AFTER INSERT ON {ROWS} BEGIN {_sqlite_bump('NEW')} END",
    f"CREATE TRIGGER snapshot_version_update AFTER UPDATE ON {ROWS} BEGIN {_sqlite_bump('NEW')} "
    f"{_sqlite_bump('OLD')} END",
    f"CREATE TRIGGER snapshot_version_delete AFTER DELETE ON {ROWS} BEGIN {_sqlite_bump('OLD')} END",
]
SQLITE_UNINSTALL = [f"DROP TRIGGER IF EXISTS snapshot_version_{op}" for op in ("insert", "update", "delete")]


TRIGGERS = Triggers("the snapshot version", install_sql={"postgresql": [PG_INSTALL], "sqlite": SQLITE_INSTALL},
                    uninstall_sql={"postgresql": [PG_UNINSTALL], "sqlite": SQLITE_UNINSTALL})


@contextmanager
def bumped_once(period: dt.date) -> Iterator[None]:
    """Around a bulk write of `period`'s rows, inside the writer's transaction: the version moves once for it.

    On SQLite the triggers come off for the write and go back on before the transaction commits: SQLite's DDL is
    transactional, and the writer holds the database's one write lock (IMMEDIATE transactions), so no other
    writer ever runs while they are off, and a reader never sees them off. A failed write rolls back to the
    savepoint, triggers included. Elsewhere this changes nothing (the statement triggers already fire once).
    """
    if connection.vendor != "sqlite":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("bumped_once must run inside the writer's transaction")
    with transaction.atomic():
        with connection.cursor() as cursor:
            for sql in SQLITE_UNINSTALL:
                cursor.execute(sql)
        yield
        version_bump(period)
        with connection.cursor() as cursor:
            for sql in SQLITE_INSTALL:
                cursor.execute(sql)


def version_bump(period: dt.date) -> int:
    """Move `period`'s version by one (creating its lock row if need be); returns the new version."""
    sql = PG_BUMP_PERIOD if connection.vendor == "postgresql" else (
        f"INSERT INTO {LOCKS} (period, version) VALUES (%s, 1) "
        "ON CONFLICT (period) DO UPDATE SET version = version + 1")
    with connection.cursor() as cursor:
        cursor.execute(sql + " RETURNING version", [period])
        return int(cursor.fetchone()[0])


def version_of(period: dt.date) -> int | None:
    """`period`'s version now (None before its rows were ever written): what caches of its rows are keyed by."""
    return SnapshotLock.objects.filter(period=period).values_list("version", flat=True).first()
