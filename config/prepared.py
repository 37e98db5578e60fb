"""Reads prepared once per PostgreSQL connection, for hot queries whose planning costs more than running them.

A customer's rows across every monthly snapshot partition are the case: PostgreSQL plans an index scan per
partition on every execution (about 1.4 ms of its CPU on the reference data, for 0.1 ms of work). A prepared
statement keeps one generic plan per connection, which is what persistent connections (CONN_MAX_AGE) are for.
The SQL is still the ORM's: the queryset is compiled once per connection and its placeholders renumbered.

Other databases run the queryset as usual. Behind a pooler in transaction mode (PgBouncer) named prepared
statements do not follow the client: set PREPARED_STATEMENTS=false there.
"""

import re
import weakref
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

_PLACEHOLDER = re.compile(r"%s|%%")
# The statements already prepared on each open DB-API connection (a new connection starts with none).
_done: "weakref.WeakKeyDictionary[Any, set[str]]" = weakref.WeakKeyDictionary()
_names: set[str] = set()


def _numbered(sql: str) -> str:
    """Django's %s placeholders as PostgreSQL's $1, $2, ...; a literal %% becomes %."""
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group() == "%%":
            return "%"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql)


class PreparedQuery:
    """`build(*args)` is a values_list queryset whose SQL parameters are exactly `args`, in order."""

    def __init__(self, name: str, build: Callable[..., QuerySet[Any, Any]]) -> None:
        # One statement per name on a connection: a second query of the same name would run the first one's SQL.
        if name in _names:
            raise ValueError(f"a prepared query named {name} already exists")
        _names.add(name)
        self.name = name
        self.build = build

    def rows(self, *args: Any) -> list[tuple[Any, ...]]:
        if connection.vendor != "postgresql" or not settings.PREPARED_STATEMENTS:
            return list(self.build(*args))
        with connection.cursor() as cursor:  # opens the connection, whose statements `done` then names
            done = _done.setdefault(connection.connection, set())
            if self.name not in done:
                sql, params = self.build(*args).query.sql_with_params()
                if list(params) != list(args):  # the statement would bind the wrong values
                    raise ValueError(f"{self.name}: the query's parameters {params!r} are not its arguments")
                cursor.execute(f"PREPARE {self.name} AS {_numbered(sql)}")
                done.add(self.name)
            values = f" ({', '.join(['%s'] * len(args))})" if args else ""
            cursor.execute(f"EXECUTE {self.name}{values}", list(args))
            return cursor.fetchall()
