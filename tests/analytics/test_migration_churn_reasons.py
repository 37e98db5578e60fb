"""Upgrading: periods scored before churn reasons were stored are marked for the beat's stale sweep to rescore."""

import datetime as dt
import importlib

import pytest
from django.apps import apps

from analytics.models import StalePeriod
from tests.factories import CustomerFactory

migration = importlib.import_module("analytics.migrations.0012_snapshot_churn_reasons")


@pytest.mark.django_db
def test_scored_periods_without_reasons_are_marked_stale():
    from analytics.models import CustomerSnapshot

    customer = CustomerFactory()
    common = {"customer": customer, "code": customer.code, "grade": "A", "computed_grade": "A", "score": 1,
              "sales": 0, "orders": 0, "profit": 0, "window_sales": 0, "sales_12m": 0, "orders_12m": 0,
              "lifecycle": "active", "is_new": False, "sales_surge": False, "sales_plunge": False,
              "orders_surge": False, "orders_plunge": False, "receivable": 0, "overdue": 0, "action": "maintain",
              "override_active": False}
    CustomerSnapshot.objects.create(period=dt.date(2025, 1, 1), churn_risk=0.3, **common)
    CustomerSnapshot.objects.create(period=dt.date(2025, 2, 1), churn_risk=None, **common)
    migration.mark_scored_periods_stale(apps, None)
    assert list(StalePeriod.objects.values_list("period", flat=True)) == [dt.date(2025, 1, 1)]
