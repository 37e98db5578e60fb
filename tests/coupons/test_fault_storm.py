"""A storm of provider faults, per provider: every call draws a fault; the sweep runs until everything settles.

Counts what each fake received per number: no customer may get the coupon twice, and every customer ends
delivered or sent, or failed with a reason (never silently lost). Prints the figures (pytest -s).
"""

import datetime as dt
import random
from collections import Counter

import pytest
from django.utils import timezone

from coupons.models import CouponIssue
from coupons.services import coupon_campaign_send, coupon_issue_resolve_unknown, coupon_issue_send_batch
from customers.models import Customer
from tests.coupons.conftest import provider_campaign
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
FAULTS = ["ok"] * 5 + ["hang:0.6", "drop", "drop-early", "500", "throttle"]


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_a_storm_of_faults_sends_each_customer_exactly_once(provider, request, settings, admin_user):
    fake = request.getfixturevalue(provider)
    settings.SMS_GATEWAY_READ_TIMEOUT = 0.3
    settings.SMS_UNKNOWN_RESOLVE_AFTER = 0
    settings.SMS_TENCENT_ABSENT_AFTER = 0
    settings.SMS_ALIYUN_BATCH_SIZE = 7
    rng = random.Random(19)
    fake.behaviours = [rng.choice(FAULTS) for _ in range(400)]
    campaign = provider_campaign(provider)
    customers = [CustomerFactory() for _ in range(60)]
    coupon_campaign_send(user=admin_user, campaign=campaign, idempotency_key="storm",
                         customers_qs=Customer.objects.filter(pk__in=[c.pk for c in customers]))
    for _round in range(25):
        coupon_issue_send_batch()
        coupon_issue_resolve_unknown(now=timezone.now() + dt.timedelta(minutes=10))
        CouponIssue.objects.filter(status="queued").update(scheduled_for=timezone.now())  # skip the backoff
        if not CouponIssue.objects.filter(status__in=["queued", "sending", "unknown"]).exists():
            break
    final = Counter(CouponIssue.objects.values_list("status", flat=True))
    received = fake.received()
    faults = Counter(fake.drawn)
    print(f"\n{provider}: send calls {len(fake.drawn)} {dict(faults)}; final {dict(final)}; "
          f"received {sum(received.values())} by {len(received)} numbers; duplicates "
          f"{sum(n - 1 for n in received.values())}; resent "
          f"{sum(CouponIssue.objects.values_list('resends', flat=True))}")
    assert max(received.values()) == 1  # 0 duplicates
    assert set(final) <= {"sent", "delivered", "failed"}  # nothing left in doubt
    failed = CouponIssue.objects.filter(status="failed")
    assert all(row.error for row in failed)  # a failure says why
    got = {c.mobile[3:] if provider == "aliyun" else c.mobile for c in customers}
    assert set(received) | {(r.mobile[3:] if provider == "aliyun" else r.mobile) for r in failed} == got  # 0 lost
