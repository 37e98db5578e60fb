"""A version per period that moves with every write to its snapshot rows, kept by database triggers.

Caches of figures read from a period's rows (the list's grade-tab counts) are keyed by it. Rows are written by a
recompute, the churn-risk fill, a merge (it deletes the merged customer's rows) and whatever else may come; a
trigger bumps the version for all of them, in the writer's own transaction, so a reader sees the new version
exactly when it sees the new rows. The counter lives on the period's SnapshotLock row, which a recompute holds
FOR UPDATE anyway.
"""

# ruff: noqa: S608 - every piece of SQL here is a constant of this module: no input ever reaches it.

from config.triggers import Triggers

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
