"""An override and a recompute of the same period take turns on the period's lock (two real connections).

The recompute runs in another process and stalls inside the engine holding the lock: the override waits for it
and says so when the wait is too long; once the recompute commits, the override updates its fresh rows.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from analytics.models import CustomerSnapshot
from analytics.services import overrides as override_service
from analytics.services.snapshots import snapshot_compute
from customers.services_admin import AdminError, customer_override_set
from tests.analytics.stalled_run import start_stalled_run
from tests.factories import CustomerFactory, OrderFactory, UserFactory

P = dt.date(2025, 3, 1)


def grades():
    return dict(CustomerSnapshot.objects.filter(period=P).values_list("code", "grade"))


@pytest.mark.postgres
def test_override_waits_for_a_running_recompute_then_updates_its_rows(transactional_db, monkeypatch):
    big = CustomerFactory(code="A1", first_seen=dt.date(2025, 1, 1))
    small = CustomerFactory(code="B1", first_seen=dt.date(2025, 1, 1))
    OrderFactory(customer=big, order_date=dt.date(2025, 3, 2), amount=Decimal("900.00"))
    OrderFactory(customer=small, order_date=dt.date(2025, 3, 2), amount=Decimal("100.00"))
    snapshot_compute(period=P)
    assert grades() == {"A1": "A", "B1": "C"}
    manager = UserFactory(username="m1", role="manager")
    until = timezone.localdate() + dt.timedelta(days=30)
    monkeypatch.setattr(override_service, "LOCK_WAIT_SECONDS", 1)
    proc = start_stalled_run(period=P, stall=4, module="analytics.services.snapshots", name="compute_snapshot")
    # The refusal is written in the active language (the page shows it as is): English here, whatever an earlier
    # test left active.
    with translation.override("en"), pytest.raises(AdminError, match="try again in a minute"):
        customer_override_set(customer=big, grade="D", reason="回款风险", until=until, by=manager)
    big.refresh_from_db()
    assert big.override_grade == ""  # the whole change rolled back, the customer's row too
    monkeypatch.setattr(override_service, "LOCK_WAIT_SECONDS", 60)
    customer_override_set(customer=big, grade="D", reason="回款风险", until=until, by=manager)  # waits its turn
    assert proc.wait(timeout=30) == 0
    assert grades() == {"A1": "D", "B1": "C"}  # set on the recompute's new rows, not lost under them
