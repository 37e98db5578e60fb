"""export_snapshot's churn_risk column: last, 0..1, blank where no winning model scored the customer."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from analytics.export import EXPORT_COLUMNS
from analytics.models import CustomerSnapshot
from tests.factories import CustomerFactory, OrderFactory


@pytest.mark.django_db
def test_churn_risk_is_the_last_column(tmp_path):
    a = CustomerFactory(code="0001")
    CustomerFactory(code="0002")
    OrderFactory(customer=a, order_date=dt.date(2025, 2, 3), amount=Decimal("100"))
    call_command("compute_snapshots", "--period", "2025-02", stdout=io.StringIO())
    CustomerSnapshot.objects.filter(code="0001").update(churn_risk=0.123456789)
    target = tmp_path / "snap.csv"
    call_command("export_snapshot", "--period", "2025-02", "--out", str(target), stdout=io.StringIO())
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    assert EXPORT_COLUMNS[-2:] == ["action", "churn_risk"] and rows[0] == EXPORT_COLUMNS
    assert [r[-1] for r in rows[1:]] == ["0.1235", ""]
