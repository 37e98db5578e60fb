"""The worker: claim, send, record; stale rows become unknown; outbox survives a broker outage."""

import datetime as dt

import pytest
from django.utils import timezone

from coupons import sms, tasks
from coupons.models import CouponIssue, OutboxEvent
from coupons.services import (
    coupon_campaign_send,
    coupon_issue_expire_stale,
    coupon_issue_send_batch,
    outbox_relay,
)
from coupons.services.worker import _claim_batch, _record
from coupons.sms import get_backend
from customers.models import Customer
from customers.selectors import customer_list


def _claim_one(token, send_request_id):
    rows = _claim_batch(token, send_request_id, lambda provider: 1)
    return rows[0] if rows else None


def queue(book, campaign, key="k"):
    user = book["sp1"].user
    return coupon_campaign_send(user=user, campaign=campaign, customers_qs=customer_list(user=user),
                                idempotency_key=key)


def http_backend(url):
    return get_backend("coupons.sms.backends.http.SmsBackend", url=url, read_timeout=0.5, connect_timeout=0.5,
                       backoff_base=0.01, backoff_cap=0.02, max_retries=2)


@pytest.mark.django_db
def test_batch_through_the_http_gateway_records_sent_failed_and_unknown(book, campaign, gateway):
    queue(book, campaign)
    gateway.behaviours = ["ok", "hang:1.5"]  # c1 is sent, c2 is accepted then the answer never comes
    outcome = coupon_issue_send_batch(backend=http_backend(gateway.url))
    assert outcome.statuses == {"sent": 1, "unknown": 1}
    c1, c2 = CouponIssue.objects.order_by("customer__code")
    assert (c1.status, c1.attempts, c1.error) == ("sent", 1, "")
    assert c1.provider_message_id.startswith("gw-")
    assert c2.status == "unknown" and "may have accepted" in c2.error and c2.sent_at is None
    # Running again sends nothing: unknown is never resent blindly.
    assert coupon_issue_send_batch(backend=http_backend(gateway.url)).claimed == 0
    assert len(gateway.requests) == 2


@pytest.mark.django_db
def test_rejected_number_is_failed_with_the_reason(book, campaign, gateway):
    queue(book, campaign)
    gateway.default = "invalid"
    coupon_issue_send_batch(backend=http_backend(gateway.url))
    assert set(CouponIssue.objects.values_list("status", flat=True)) == {"invalid"}
    assert CouponIssue.objects.first().error.startswith("invalid: HTTP 400")
    assert len(gateway.requests) == 2
    assert Customer.objects.get(pk=book["c1"].pk).last_coupon_date is None


@pytest.mark.django_db
def test_opt_out_after_queueing_is_skipped_at_send_time(book, campaign):
    queue(book, campaign)
    Customer.objects.filter(pk=book["c1"].pk).update(sms_opt_out_at=timezone.now())
    outcome = coupon_issue_send_batch()
    assert outcome.statuses == {"skipped": 1, "sent": 1}
    assert [m.to for m in sms.outbox] == [book["c2"].mobile]


@pytest.mark.django_db
def test_a_row_claimed_by_one_worker_is_not_claimed_by_another(book, campaign):
    queue(book, campaign)
    first = _claim_one("worker-a", None)
    second = _claim_one("worker-b", None)
    assert first.pk != second.pk
    assert _claim_one("worker-c", None) is None
    assert sorted(CouponIssue.objects.values_list("claim_token", flat=True)) == ["worker-a", "worker-b"]


@pytest.mark.django_db
def test_stuck_sending_becomes_unknown_and_a_late_answer_still_wins(book, campaign):
    queue(book, campaign)
    row = _claim_one("dead-worker", None)
    assert coupon_issue_expire_stale(older_than=60) == 0  # still fresh
    later = timezone.now() + dt.timedelta(minutes=5)
    assert coupon_issue_expire_stale(now=later, older_than=60) == 1
    row.refresh_from_db()
    assert row.status == "unknown"
    # A batch does not pick it up again.
    coupon_issue_send_batch()
    assert CouponIssue.objects.get(pk=row.pk).status == "unknown"
    assert [m.to for m in sms.outbox] == [b.mobile for b in [book["c1"], book["c2"]] if b.pk != row.customer_id]
    # The worker that held the claim comes back with the gateway's answer: it is recorded.
    result = sms.SendResult(row.mobile, sms.SENT, message_id="late-1")
    _record(row, "dead-worker", status="sent", result=result)
    row.refresh_from_db()
    assert (row.status, row.provider_message_id) == ("sent", "late-1")
    # But nobody else can write over a claim that is not theirs.
    _record(row, "someone-else", status="failed", error="x")
    assert CouponIssue.objects.get(pk=row.pk).status == "sent"


@pytest.mark.django_db
def test_broker_down_at_commit_time_leaves_the_event_for_the_relay(book, campaign, monkeypatch,
                                                                   django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks.send_pending, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        queue(book, campaign)
    event = OutboxEvent.objects.get()
    assert event.dispatched_at is None and "redis is down" in event.last_error
    assert set(CouponIssue.objects.values_list("status", flat=True)) == {"queued"}
    monkeypatch.undo()
    assert outbox_relay() == 1
    assert set(CouponIssue.objects.values_list("status", flat=True)) == {"sent"}
    assert outbox_relay() == 0
    assert len(sms.outbox) == 2


@pytest.mark.django_db
def test_send_pending_task_is_safe_to_run_twice(book, campaign):
    report = queue(book, campaign)
    first = tasks.send_pending.apply(kwargs={"send_request_id": report.send_request_id}).get()
    second = tasks.send_pending.apply(kwargs={"send_request_id": report.send_request_id}).get()
    assert first["statuses"] == {"sent": 2} and second["claimed"] == 0
    assert len(sms.outbox) == 2


@pytest.mark.django_db
def test_rate_limit_spaces_messages(settings):
    from coupons.sms.limits import RateLimiter

    now = [1000.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(2, key="t-rate", clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.acquire()
    assert slept == [1.0, 1.0]
