"""Run a module's trigger SQL for the database at hand (sales/rollup.py, analytics/snapshot_version.py)."""

from django.db.backends.base.base import BaseDatabaseWrapper


def execute_for_vendor(conn: BaseDatabaseWrapper, statements: dict[str, list[str]], what: str) -> None:
    """Execute `statements[conn.vendor]` in order; a database with no entry is refused, never skipped (a table
    kept by triggers that were not installed would silently go stale)."""
    if conn.vendor not in statements:
        raise NotImplementedError(f"{what} has no triggers for {conn.vendor}")
    with conn.cursor() as cursor:
        for sql in statements[conn.vendor]:
            cursor.execute(sql)
