"""Coupons' answers to what the apps below it announce (they send signals instead of importing coupons).

Connected in CouponsConfig.ready.
"""

from typing import Any

from django.dispatch import receiver

from customers.models import Customer
from customers.signals import customer_merging

from .models import CouponIssue


@receiver(customer_merging, dispatch_uid="coupons.customer_merging")
def customer_merging_drop_clashes(*, survivor: Customer, merged: Customer, report: Any, **_kwargs: Any) -> None:
    """A campaign both customers got keeps the survivor's coupon ((campaign, customer) is unique): the merged one's
    is dropped and logged in the report. The merged customer's other coupons then move to the survivor."""
    taken = set(CouponIssue.objects.filter(customer=survivor).values_list("campaign_id", flat=True))
    clashes = CouponIssue.objects.filter(customer=merged, campaign_id__in=taken)
    report.coupon_conflicts = [
        {"campaign": row["campaign_id"], "code": row["code"], "status": row["status"],
         "queued_at": row["queued_at"].isoformat() if row["queued_at"] else None}
        for row in clashes.values("campaign_id", "code", "status", "queued_at")
    ]
    clashes.delete()
