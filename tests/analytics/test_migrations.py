"""The snapshot table's migrations run both ways on either database and leave the version triggers on it."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection

from analytics.models import CustomerSnapshot, SnapshotLock
from tests.factories import CustomerFactory, CustomerSnapshotFactory

P = dt.date(2025, 3, 1)


def snapshot_row(customer) -> CustomerSnapshot:
    return CustomerSnapshotFactory(period=P, customer=customer, grade="B")


@pytest.mark.django_db(transaction=True)
def test_back_to_0007_and_forward_again_keeps_rows_constraint_and_version_triggers():
    customer = CustomerFactory()
    snapshot_row(customer)
    call_command("migrate", "analytics", "0007_snapshot_version", verbosity=0)
    with connection.cursor() as cursor:  # the customer reference is a database constraint again
        constraints = connection.introspection.get_constraints(cursor, CustomerSnapshot._meta.db_table)
    assert any(c["foreign_key"] == ("customers_customer", "id") for c in constraints.values())
    call_command("migrate", "analytics", verbosity=0)
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, CustomerSnapshot._meta.db_table)
    assert not any(c["foreign_key"] for c in constraints.values())
    assert list(CustomerSnapshot.objects.values_list("code", "grade")) == [(customer.code, "B")]
    before = SnapshotLock.objects.get(period=P).version
    CustomerSnapshot.objects.filter(period=P).update(grade="A")  # SQLite's row trigger bumps for old and new
    after_update = SnapshotLock.objects.get(period=P).version
    assert after_update > before
    snapshot_row(CustomerFactory())
    assert SnapshotLock.objects.get(period=P).version == after_update + 1
