"""Database triggers that keep a derived table right, installed per engine (sales/rollup.py,
analytics/snapshot_version.py); their migrations call install and uninstall."""

from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper


@dataclass(frozen=True)
class Triggers:
    """What the triggers keep (for the error message) and their SQL per database vendor."""

    keeps: str
    install_sql: dict[str, list[str]]
    uninstall_sql: dict[str, list[str]]

    def install(self, conn: BaseDatabaseWrapper) -> None:
        self._execute(conn, self.install_sql)

    def uninstall(self, conn: BaseDatabaseWrapper) -> None:
        self._execute(conn, self.uninstall_sql)

    def _execute(self, conn: BaseDatabaseWrapper, statements: dict[str, list[str]]) -> None:
        # A database with no entry is refused, never skipped: a table kept by triggers that were not installed
        # would silently go stale.
        if conn.vendor not in statements:
            raise NotImplementedError(f"{self.keeps} has no triggers for {conn.vendor}")
        with conn.cursor() as cursor:
            for sql in statements[conn.vendor]:
                cursor.execute(sql)
