"""The snapshot's year and month of a date (analytics.aggregates._Year/_Month): SQLite's own strftime there, the
same numbers Django's ExtractYear/ExtractMonth give, on SQLite and on the database the suite runs on."""

import datetime as dt

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper
from django.db.models import DateField, Value
from django.db.models.functions import ExtractMonth, ExtractYear
from django.db.models.sql import Query

from analytics.aggregates import _Month, _Year

DAYS = [dt.date(2024, 2, 29), dt.date(2025, 12, 31), dt.date(2026, 1, 1), dt.date(999, 9, 9)]


def _select(db, expression) -> object:
    query = Query(None)
    sql, params = query.get_compiler(connection=db).compile(expression.resolve_expression(query))
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        return cursor.fetchone()[0]


def _parts(db, day: dt.date) -> list[object]:
    value = Value(day, output_field=DateField())
    return [_select(db, f(value)) for f in (_Year, _Month, ExtractYear, ExtractMonth)]


@pytest.fixture
def sqlite(django_db_blocker):
    """An in-memory SQLite database beside the suite's (PostgreSQL in CI), with Django's functions registered."""
    db = DatabaseWrapper({**connection.settings_dict, "ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:",
                          "OPTIONS": {}}, alias="month-parts")
    with django_db_blocker.unblock():
        yield db
        db.close()


@pytest.mark.parametrize("day", DAYS)
def test_sqlite_reads_year_and_month_without_djangos_python_function(sqlite, day):
    assert _parts(sqlite, day) == [day.year, day.month, day.year, day.month]
    query = Query(None)
    sql, _ = query.get_compiler(connection=sqlite).compile(_Month(Value(day, output_field=DateField())))
    assert "strftime" in sql and "django_date_extract" not in sql


@pytest.mark.django_db
@pytest.mark.parametrize("day", DAYS)
def test_the_suites_database_gives_the_same_year_and_month(day):
    assert _parts(connection, day) == [day.year, day.month, day.year, day.month]
