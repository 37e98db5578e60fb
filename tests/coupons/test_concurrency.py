"""Exactly once under concurrency, on PostgreSQL: 20 concurrent POSTs, two worker processes, a SIGKILL."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from coupons import sms
from coupons.models import CouponIssue, SendRequest
from coupons.services import coupon_campaign_send, coupon_issue_expire_stale
from customers.models import Customer
from tests.coupons.gateway import Gateway
from tests.factories import CustomerFactory, SalespersonFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_threads(n, target):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def worker(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def test_twenty_concurrent_posts_with_one_key_send_once(campaign):
    owner = SalespersonFactory(user=UserFactory(username="seller", role="salesperson"))
    customers = [CustomerFactory(owner=owner) for _ in range(5)]
    codes = [c.code for c in customers]
    url = f"/api/v1/campaigns/{campaign.pk}/send/"

    def post(_i):
        client = APIClient()
        client.force_authenticate(owner.user)
        response = client.post(url, {"codes": codes}, format="json", HTTP_IDEMPOTENCY_KEY="double-click")
        return response.status_code, response.json()

    results = run_threads(20, post)
    assert sorted(code for code, _ in results) == [200] * 19 + [201]
    bodies = {json.dumps({**body, "replayed": None}, sort_keys=True) for _, body in results}
    assert len(bodies) == 1
    assert SendRequest.objects.count() == 1
    assert CouponIssue.objects.count() == 5
    assert Counter(m.to for m in sms.outbox) == Counter(c.mobile for c in customers)  # each exactly once
    assert set(CouponIssue.objects.values_list("status", flat=True)) == {"sent"}


def test_twenty_concurrent_sends_with_different_keys_still_one_coupon_per_customer(campaign, admin_user):
    customers = [CustomerFactory() for _ in range(10)]
    qs = Customer.objects.filter(pk__in=[c.pk for c in customers])
    reports = run_threads(20, lambda i: coupon_campaign_send(user=admin_user, campaign=campaign, customers_qs=qs,
                                                             idempotency_key=f"key-{i}"))
    assert sum(r.queued for r in reports) == 10
    assert CouponIssue.objects.count() == 10
    assert Counter(m.to for m in sms.outbox) == Counter(c.mobile for c in customers)


def _db_env(gateway_url=None):
    s = connection.settings_dict
    env = {**os.environ,
           "DATABASE_URL": f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or '127.0.0.1'}:"
                           f"{s['PORT'] or 5432}/{s['NAME']}",
           "DJANGO_SETTINGS_MODULE": "config.settings.test", "SMS_QUIET_HOURS": "", "SMS_RATE_PER_SECOND": "0",
           "PYTHONPATH": str(ROOT)}
    if gateway_url:
        env["TEST_SMS_GATEWAY_URL"] = gateway_url
    return env


def _claim_process(gateway, provider=""):
    env = _db_env()
    args = [gateway.url]
    if provider:  # the provider backend against its fake, with the fake's credentials, small Aliyun batches
        args = [provider, gateway.url]
        env.update(SMS_ALIYUN_ACCESS_KEY_ID=gateway.key_id, SMS_ALIYUN_ACCESS_KEY_SECRET=gateway.secret,
                   SMS_TENCENT_SECRET_ID=gateway.key_id, SMS_TENCENT_SECRET_KEY=gateway.secret,
                   SMS_TENCENT_SDK_APP_ID=getattr(gateway, "app_id", ""), SMS_ALIYUN_BATCH_SIZE="5")
    return subprocess.Popen([sys.executable, str(ROOT / "tests/coupons/claim_worker.py"), *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _queue(campaign, user, n):
    customers = [CustomerFactory() for _ in range(n)]
    coupon_campaign_send(user=user, campaign=campaign, customers_qs=Customer.objects.filter(
        pk__in=[c.pk for c in customers]), idempotency_key=f"batch-{n}")
    sms.outbox.clear()  # the eager in-process send did not run: no on_commit capture here
    return customers


@pytest.fixture
def queued(campaign, admin_user, monkeypatch):
    # Keep the rows queued: the test's own process must not send them through the eager task.
    monkeypatch.setattr("coupons.services.send.outbox_dispatch_on_commit", lambda event_id: None)
    return _queue(campaign, admin_user, 80)


def test_two_worker_processes_send_each_recipient_once(queued):
    gateway = Gateway(default="slow:0.03").start()
    try:
        procs = [_claim_process(gateway) for _ in range(2)]
        outputs = [p.communicate(timeout=120) for p in procs]
    finally:
        gateway.stop()
    assert [p.returncode for p in procs] == [0, 0], outputs
    per_worker = [json.loads(out.strip().splitlines()[-1])["statuses"].get("sent", 0) for out, _ in outputs]
    assert sum(per_worker) == 80
    assert all(n > 0 for n in per_worker), per_worker  # both really worked on the batch
    assert Counter(gateway.recipients()) == Counter(c.mobile for c in queued)
    assert set(CouponIssue.objects.values_list("status", flat=True)) == {"sent"}


def test_a_worker_killed_mid_batch_reruns_without_a_duplicate(queued):
    # Ten messages go through, the eleventh is accepted by the gateway and then the worker is killed -9.
    gateway = Gateway(behaviours=["ok"] * 10 + ["hang:20"], default="ok").start()
    try:
        proc = _claim_process(gateway)
        deadline = time.monotonic() + 60
        while len(gateway.requests) < 11 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        counts = Counter(CouponIssue.objects.values_list("status", flat=True))
        assert counts == {"sent": 10, "sending": 1, "queued": 69}
        in_flight = CouponIssue.objects.get(status="sending")
        # The rule: a row stuck in `sending` becomes `unknown` once its worker is surely gone; never resent.
        assert coupon_issue_expire_stale(older_than=0) == 1
        rerun = _claim_process(gateway)
        out, err = rerun.communicate(timeout=120)
        assert rerun.returncode == 0, err
    finally:
        gateway.stop()
    counts = Counter(CouponIssue.objects.values_list("status", flat=True))
    assert counts == {"sent": 79, "unknown": 1}
    in_flight.refresh_from_db()
    assert in_flight.status == "unknown" and "not resent" in in_flight.error
    received = Counter(gateway.recipients())
    assert max(received.values()) == 1  # nobody got the coupon twice
    assert set(received) == {c.mobile for c in queued}  # everyone else got it, the unknown one once
