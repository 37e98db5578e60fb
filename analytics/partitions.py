"""On PostgreSQL the snapshot rows are a table partitioned by period, and a recompute swaps in a whole partition.

Why: writing a period's 50,000 rows into one shared table meant maintaining ten indexes row by row and checking
the customer reference of each row at commit, 1.5 of a 4 s snapshot. A new period's rows now go into a bare
table of their own by COPY and its indexes are then built in one sort each (0.3 s for the eleven); the previous
partition of the period is dropped and the new one attached, all in the snapshot's one transaction. A failed
or killed run rolls every step back, DDL included, so the previous snapshot stays as it was. Readers wait only
for the drop and attach at the very end (ACCESS EXCLUSIVE on the parent for a few milliseconds, once a month
per period); they never see a half-written period.

Rows written any other way (the ORM, a factory, a period that has no partition yet) land in the DEFAULT
partition; a recompute of their period moves them out of it. SQLite has no partitions: there a recompute
deletes and inserts the rows (analytics/services/snapshots.py).

The primary key is (id, period) in the database, since a partitioned table's keys must hold the partition key;
ids still come from the one identity sequence, so Django's `id` stays unique.
"""

# ruff: noqa: S608 - table, index and constraint names come from the catalogue or from a period's digits only.

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from django.db import OperationalError, connection
from django.db.backends.base.base import BaseDatabaseWrapper

from analytics.snapshot_version import PG_BUMP_PERIOD
from sales.bulk import bulk_insert_frame

PARENT = "analytics_customersnapshot"
DEFAULT = f"{PARENT}_default"
SWAP_LOCK = 7_301_202_612  # pg_advisory_xact_lock key of period_replace
LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout ran out
SWAP_WAIT_SECONDS = 3  # the longest a swap waits for readers (and makes new readers wait behind it)


def _bound(period: dt.date) -> str:
    """A partition bound as an SQL literal: DDL takes no bound parameter, and psycopg binds them server-side."""
    return f"DATE '{period.isoformat()}'"


def partition_name(period: dt.date) -> str:
    return f"{PARENT}_p{period:%Y%m}"


def _index_prefix(period: dt.date) -> str:
    """A partition's indexes and constraints are `<prefix>_<n>`, n their place in `definitions` of the parent."""
    return f"snapshot_p{period:%Y%m}"


@dataclass(frozen=True)
class Definition:
    """An index or a constraint of the parent: its name and its definition as PostgreSQL prints it back."""

    name: str
    sql: str  # index: what follows USING ("btree (period, code)"); constraint: pg_get_constraintdef
    kind: str  # "index", or a constraint's contype: "p" primary key, "u" unique, "f" foreign key


def definitions(conn: BaseDatabaseWrapper, table: str) -> list[Definition]:
    """`table`'s indexes (those that back no constraint) and its primary key, unique and foreign key constraints."""
    with conn.cursor() as cursor:
        cursor.execute("""
            SELECT i.relname, split_part(pg_get_indexdef(x.indexrelid), ' USING ', 2)
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
            WHERE x.indrelid = %s::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)
            ORDER BY i.relname""", [table])
        indexes = [Definition(name, sql, "index") for name, sql in cursor.fetchall()]
        cursor.execute("""
            SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint
            WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') ORDER BY contype DESC, conname""", [table])
        constraints = [Definition(name, sql, kind) for name, sql, kind in cursor.fetchall()]
    return indexes + constraints


def _create(cursor, table: str, items: Iterable[Definition], prefix: str | None = None) -> None:
    """Build `items` on `table`, named as they are or, with `prefix`, `prefix_<n>` (a partition's own names)."""
    for n, item in enumerate(items):
        name = item.name if prefix is None else f"{prefix}_{n}"
        if item.kind == "index":
            cursor.execute(f'CREATE INDEX "{name}" ON "{table}" USING {item.sql}')
        else:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {item.sql}')


class SwapWaitTimeout(OperationalError):
    """Readers held the snapshot rows longer than SWAP_WAIT_SECONDS, so the swap gave up rather than make every
    page wait behind it. An OperationalError: the Celery task retries it with backoff, and the stale-period sweep
    comes back to the period anyway."""


def period_replace(period: dt.date, table: pd.DataFrame) -> None:
    """Replace `period`'s rows by `table` (columns: CustomerSnapshot field names, no id), as described above.

    Runs inside the caller's transaction, which holds the period's lock row (so no other run builds the same
    new table). Swaps of different periods take turns on a transaction-level advisory lock, taken before this
    transaction touches the parent: two swaps would otherwise each hold the parent's ACCESS SHARE (from LIKE)
    while asking for its ACCESS EXCLUSIVE (to drop), and deadlock.
    """
    name = partition_name(period)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SWAP_LOCK])
        items = definitions(connection, PARENT)
        _build(cursor, f"{name}_new", table, items, prefix=f"{_index_prefix(period)}_new")
        _swap(cursor, period, items)


def _build(cursor, new: str, table: pd.DataFrame, items: list[Definition], prefix: str) -> None:
    """The period's rows in a table of their own, with the parent's indexes and constraints and fresh statistics.

    Named `prefix_<n>` until the old partition, which holds the final names, is gone: index names are unique
    per schema. Attaching then finds every index and constraint of the parent already there and builds none.
    """
    from analytics.models import CustomerSnapshot

    cursor.execute(f'CREATE TABLE "{new}" (LIKE "{PARENT}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
    cursor.execute(f"ALTER TABLE \"{new}\" ALTER id SET DEFAULT nextval(pg_get_serial_sequence('{PARENT}', 'id'))")
    bulk_insert_frame(CustomerSnapshot, table, into=new)
    cursor.execute(f'ALTER TABLE "{new}" ALTER id DROP DEFAULT')
    _create(cursor, new, items, prefix=prefix)
    # The pages' plans need the partition's statistics now, not after autovacuum's. A sample of 3,000 rows
    # (target 10) holds every value of the columns the pages filter on (grade, lifecycle, movement, action)
    # and costs 0.03 s; the default target's 30,000 cost 0.37 s of a 4 s snapshot.
    cursor.execute("SET LOCAL default_statistics_target = 10")
    cursor.execute(f'ANALYZE "{new}"')
    cursor.execute("RESET default_statistics_target")


def _swap(cursor, period: dt.date, items: list[Definition]) -> None:
    """Drop the period's old partition and attach the new one under the final names: the only moment readers
    wait. Dropping waits for every reader of the parent, and every new reader queues behind it, so the wait is
    bounded: an export streaming for a minute must not stall every page for that minute."""
    name, mine = partition_name(period), _index_prefix(period)
    cursor.execute(f"SET LOCAL lock_timeout = '{SWAP_WAIT_SECONDS}s'")
    try:
        cursor.execute(f'DELETE FROM "{DEFAULT}" WHERE period = %s', [period])  # would block the attach
        cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
        cursor.execute(f'ALTER TABLE "{name}_new" RENAME TO "{name}"')
        for n, item in enumerate(items):
            what = "INDEX" if item.kind == "index" else f'TABLE "{name}" RENAME CONSTRAINT'
            target = "RENAME TO" if item.kind == "index" else "TO"
            cursor.execute(f'ALTER {what} "{mine}_new_{n}" {target} "{mine}_{n}"')
        cursor.execute(f'ALTER TABLE "{PARENT}" ATTACH PARTITION "{name}" FOR VALUES IN ({_bound(period)})')
        cursor.execute(PG_BUMP_PERIOD, [period])  # DDL fires no trigger: the period's version moves here
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        raise SwapWaitTimeout(f"the snapshot of {period:%Y-%m} was computed but not swapped in: readers held the "
                              f"snapshot rows for more than {SWAP_WAIT_SECONDS} s; it will be tried again") from exc
    cursor.execute("SET LOCAL lock_timeout = 0")


def _rebuild(conn: BaseDatabaseWrapper, *, partitioned: bool) -> None:
    """Rebuild the snapshot table as a partitioned one (one partition per period present, and DEFAULT) or back
    as a plain one, with the same columns, rows, indexes, constraints and identity sequence position."""
    old = f"{PARENT}_old"
    items = definitions(conn, PARENT)
    with conn.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{PARENT}" RENAME TO "{old}"')
        by = " PARTITION BY LIST (period)" if partitioned else ""
        cursor.execute(f'CREATE TABLE "{PARENT}" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
                       f"INCLUDING IDENTITY){by}")
        if partitioned:
            cursor.execute(f'CREATE TABLE "{DEFAULT}" PARTITION OF "{PARENT}" DEFAULT')
            cursor.execute(f'SELECT DISTINCT period FROM "{old}" ORDER BY period')
            for (period,) in cursor.fetchall():
                cursor.execute(f'CREATE TABLE "{partition_name(period)}" PARTITION OF "{PARENT}" '
                               f"FOR VALUES IN ({_bound(period)})")
        cursor.execute(f'INSERT INTO "{PARENT}" OVERRIDING SYSTEM VALUE SELECT * FROM "{old}"')
        cursor.execute(f"""SELECT setval(pg_get_serial_sequence('{PARENT}', 'id'),
                                         (SELECT COALESCE(MAX(id), 0) + 1 FROM "{old}"), false)""")
        cursor.execute(f'DROP TABLE "{old}"')
        primary = "PRIMARY KEY (id, period)" if partitioned else "PRIMARY KEY (id)"
        _create(cursor, PARENT, [Definition(i.name, primary, "p") if i.kind == "p" else i for i in items])
        cursor.execute(f'ANALYZE "{PARENT}"')


def partition(conn: BaseDatabaseWrapper) -> None:
    """Migration: make the snapshot table partitioned by period (PostgreSQL)."""
    _rebuild(conn, partitioned=True)


def unpartition(conn: BaseDatabaseWrapper) -> None:
    """Migration, backwards: the plain table again (PostgreSQL)."""
    _rebuild(conn, partitioned=False)
