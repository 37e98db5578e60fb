"""Campaign results against similar customers (same grade and lifecycle) who did not get the coupon."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics.services.snapshots import snapshot_compute
from coupons.models import CouponIssue
from coupons.selectors import similar_customers_baseline
from tests.factories import CustomerFactory, OrderFactory


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


@pytest.mark.django_db
def test_baseline_is_stratified_by_grade_and_lifecycle(campaign, admin_user):
    # February snapshot: four active C-or-better buyers; r1 gets the coupon on 03-05.
    people = {code: CustomerFactory(code=code, first_seen=dt.date(2025, 1, 1)) for code in ("r1", "c1", "c2", "x1")}
    feb = {"r1": "100.00", "c1": "100.00", "c2": "100.00", "x1": "900000.00"}
    for code, amount in feb.items():
        OrderFactory(customer=people[code], order_date=dt.date(2025, 2, 20), amount=Decimal(amount))
    snapshot_compute(period=dt.date(2025, 2, 1))
    # x1 alone is A; r1, c1, c2 share grade C (cumulative share) and lifecycle active.
    CouponIssue.objects.create(campaign=campaign, customer=people["r1"], code="CODE000001", mobile="+8613800000001",
                               message="m", status=CouponIssue.Status.SENT, send_day=dt.date(2025, 3, 5),
                               sent_at=at(dt.date(2025, 3, 5)))
    OrderFactory(customer=people["r1"], order_date=dt.date(2025, 3, 10), amount=Decimal("300.00"))
    OrderFactory(customer=people["c1"], order_date=dt.date(2025, 3, 12), amount=Decimal("100.00"))
    OrderFactory(customer=people["x1"], order_date=dt.date(2025, 3, 12), amount=Decimal("5000.00"))  # another cell
    OrderFactory(customer=people["c2"], order_date=dt.date(2025, 4, 20), amount=Decimal("999.00"))  # after window
    result = similar_customers_baseline(campaign=campaign, user=admin_user, window_days=30)
    assert result == {
        "customers": 2, "period": "2025-02",
        "sales_per_customer": Decimal("50.00"),  # (100 + 0) / 2 controls in the C/active cell
        "recipients_sales_per_customer": Decimal("300.00"),
        "uplift": Decimal("250.00"),
    }


@pytest.mark.django_db
def test_no_baseline_without_a_prior_snapshot(campaign, admin_user):
    customer = CustomerFactory(code="r9")
    CouponIssue.objects.create(campaign=campaign, customer=customer, code="CODE000009", mobile="+8613800000009",
                               message="m", status=CouponIssue.Status.SENT, send_day=dt.date(2025, 3, 5),
                               sent_at=at(dt.date(2025, 3, 5)))
    assert similar_customers_baseline(campaign=campaign, user=admin_user, window_days=30) is None


@pytest.mark.django_db
def test_every_send_is_in_the_audit_log(campaign, book):
    from coupons.services.send import coupon_campaign_send
    from customers.models import AuditLog
    from customers.selectors import customer_list

    user = book["sp1"].user
    coupon_campaign_send(user=user, campaign=campaign, customers_qs=customer_list(user=user), idempotency_key="k1")
    coupon_campaign_send(user=user, campaign=campaign, customers_qs=customer_list(user=user), idempotency_key="k1")
    entry = AuditLog.objects.get(action="coupon_send")  # the replay is not a second send
    assert (entry.user, entry.target) == (user, f"campaign:{campaign.pk}")
    assert (entry.details["requested"], entry.details["queued"]) == (2, 2)
    assert len(entry.details["selection"]["customers"]) == 2
