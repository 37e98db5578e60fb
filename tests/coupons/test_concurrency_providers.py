"""The exactly-once tests of test_concurrency.py against the Aliyun and Tencent fakes, on PostgreSQL.

Each fake counts what it received per number: 0 duplicates, 0 lost (every customer got exactly one message).
"""

import os
import signal
import time
from collections import Counter

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from coupons.models import CouponIssue, SendRequest
from coupons.services import coupon_campaign_send, coupon_issue_expire_stale, coupon_issue_resolve_unknown
from customers.models import Customer
from tests.coupons.conftest import provider_campaign
from tests.coupons.test_concurrency import _claim_process, _queue, run_threads
from tests.factories import CustomerFactory, SalespersonFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
PROVIDERS = ["aliyun", "tencent"]


@pytest.fixture(params=PROVIDERS)
def setup(request, settings):
    fake = request.getfixturevalue(request.param)
    settings.SMS_UNKNOWN_RESOLVE_AFTER = 0
    return request.param, fake, provider_campaign(request.param)


def number(provider, mobile):
    return mobile[3:] if provider == "aliyun" else mobile


def test_twenty_concurrent_posts_with_one_key_send_once(setup):
    provider, fake, campaign = setup
    owner = SalespersonFactory(user=UserFactory(username="seller", role="salesperson"))
    customers = [CustomerFactory(owner=owner) for _ in range(5)]
    url = f"/api/v1/campaigns/{campaign.pk}/send/"

    def post(_i):
        client = APIClient()
        client.force_authenticate(owner.user)
        return client.post(url, {"codes": [c.code for c in customers]}, format="json",
                           HTTP_IDEMPOTENCY_KEY="double-click").status_code

    assert sorted(run_threads(20, post)) == [200] * 19 + [201]
    assert SendRequest.objects.count() == 1
    assert fake.received() == Counter(number(provider, c.mobile) for c in customers)
    assert set(CouponIssue.objects.values_list("status", flat=True)) == {"sent"}


def test_twenty_concurrent_sends_with_different_keys_still_one_coupon_per_customer(setup, admin_user):
    provider, fake, campaign = setup
    customers = [CustomerFactory() for _ in range(10)]
    qs = Customer.objects.filter(pk__in=[c.pk for c in customers])
    reports = run_threads(20, lambda i: coupon_campaign_send(user=admin_user, campaign=campaign, customers_qs=qs,
                                                             idempotency_key=f"key-{i}"))
    assert sum(r.queued for r in reports) == 10
    assert fake.received() == Counter(number(provider, c.mobile) for c in customers)


@pytest.fixture
def queued(setup, admin_user, monkeypatch):
    monkeypatch.setattr("coupons.services.send.outbox_dispatch_on_commit", lambda event_id: None)
    provider, fake, campaign = setup
    return provider, fake, _queue(campaign, admin_user, 80)


def test_two_worker_processes_send_each_recipient_once(queued):
    provider, fake, customers = queued
    fake.default = "hang:0.03"  # a slow provider: both workers are busy at once
    procs = [_claim_process(fake, provider) for _ in range(2)]
    outputs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert fake.received() == Counter(number(provider, c.mobile) for c in customers)
    assert set(CouponIssue.objects.values_list("status", flat=True)) == {"sent"}
    assert CouponIssue.objects.values("claim_token").distinct().count() == 2  # both really worked


def test_a_worker_killed_mid_batch_reruns_without_a_duplicate_or_a_loss(queued):
    provider, fake, customers = queued
    # Aliyun: batches of 5, the third is accepted and then the worker is killed -9 while it waits for the answer.
    # Tencent: one message per call, the eleventh likewise.
    answered = 2 if provider == "aliyun" else 10
    fake.behaviours = ["ok"] * answered + ["hang:30"]
    proc = _claim_process(fake, provider)
    deadline = time.monotonic() + 60
    while len(fake.calls) < answered + 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    in_flight = 5 if provider == "aliyun" else 1
    counts = Counter(CouponIssue.objects.values_list("status", flat=True))
    assert counts == {"sent": 10, "sending": in_flight, "queued": 70 - in_flight}
    assert coupon_issue_expire_stale(older_than=0) == in_flight
    rerun = _claim_process(fake, provider)
    out, err = rerun.communicate(timeout=180)
    assert rerun.returncode == 0, err
    # The provider's records settle the in-flight messages: it had them, so they are not resent.
    resolved = coupon_issue_resolve_unknown(now=timezone.now())
    assert resolved.outcomes == {"delivered": in_flight}
    counts = Counter(CouponIssue.objects.values_list("status", flat=True))
    assert counts == {"sent": 80 - in_flight, "delivered": in_flight}
    assert fake.received() == Counter(number(provider, c.mobile) for c in customers)  # 0 duplicates, 0 lost
