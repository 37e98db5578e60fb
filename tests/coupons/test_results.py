"""Campaign results: counts, redemptions by coupon code, sales within 30 days of sending."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from coupons.models import CouponIssue
from coupons.selectors import campaign_results
from coupons.services import coupon_campaign_send
from customers.selectors import customer_list
from tests.factories import OrderFactory


@pytest.mark.django_db
def test_results_count_redemptions_and_sales_after_sending(book, campaign, admin_user,
                                                           django_capture_on_commit_callbacks):
    user = book["sp1"].user
    with django_capture_on_commit_callbacks(execute=True):
        coupon_campaign_send(user=user, campaign=campaign, customers_qs=customer_list(user=user), idempotency_key="r")
    c1_issue = CouponIssue.objects.get(customer=book["c1"])
    today = timezone.localdate()
    OrderFactory(customer=book["c1"], order_date=today, amount=Decimal("300.00"), coupon_code=c1_issue.code)
    OrderFactory(customer=book["c1"], order_date=today + dt.timedelta(days=29), amount=Decimal("50.00"))
    OrderFactory(customer=book["c1"], order_date=today + dt.timedelta(days=30), amount=Decimal("999.00"))  # outside
    OrderFactory(customer=book["c2"], order_date=today - dt.timedelta(days=1), amount=Decimal("999.00"))  # before
    OrderFactory(customer=book["c2"], order_date=today, amount=Decimal("70.00"), status="cancelled")
    results = campaign_results(user=admin_user, campaign=campaign)
    assert results.counts["sent"] == 2 and results.counts["total"] == 2
    assert (results.redemptions, results.redeemed_amount) == (1, Decimal("300.00"))
    assert (results.recipients_sent, results.sales_after, results.buyers_after) == (2, Decimal("350.00"), 1)
    assert results.baseline is None  # TODO hook for the analytics engineer: no made-up comparison
    # A salesperson's view of the same campaign is limited to their own customers.
    other = campaign_results(user=book["sp2"].user, campaign=campaign)
    assert other.counts["total"] == 0 and other.redemptions == 0
