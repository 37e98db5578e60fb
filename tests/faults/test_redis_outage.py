"""Redis stops while people browse: pages keep working, coupon sends wait and go out after recovery.

The test runs its own redis-server on a free port; it never stops the shared one.
"""

import datetime as dt
import shutil
import socket
import subprocess
import time
from decimal import Decimal

import pytest
import redis
from django.core.cache import caches
from django.utils import timezone
from kombu import pools as kombu_pools

from config.celery import app
from coupons import sms
from coupons.models import Campaign, CouponIssue, OutboxEvent
from coupons.services.outbox import outbox_relay
from coupons.services.send import coupon_campaign_send
from coupons.services.worker import coupon_issue_send_batch
from customers.selectors import customer_list
from tests.conftest import service_missing


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.proc:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


def reset_pool() -> None:
    """Drop the broker connections so the next publish uses the current broker_url.

    kombu keeps connection and producer pools in a process-wide registry keyed by broker URL; closing one
    in place would leave a closed pool there for every later test (even eager tasks acquire a producer).
    """
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def private_redis(settings):
    if shutil.which("redis-server") is None:
        service_missing("redis-server is not installed")
    server = PrivateRedis()
    server.start()
    settings.CACHES = {"default": {"BACKEND": "config.cache.ForgivingRedisCache", "LOCATION": server.url,
                                   "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    settings.SMS_QUIET_HOURS = ""
    settings.SMS_RATE_PER_SECOND = 0
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager", "broker_connection_retry",
                                       "broker_connection_max_retries", "task_publish_retry_policy")}
    # Publish to the private Redis, giving up quickly while it is down (the outbox keeps the work).
    app.conf.update(broker_url=server.url, task_always_eager=False,
                    task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.1})
    reset_pool()
    yield server
    server.stop()
    app.conf.update(saved)
    reset_pool()
    caches["default"].close()


@pytest.mark.redis
@pytest.mark.django_db
def test_pages_work_and_sends_wait_while_redis_is_down(client, book, admin_user, private_redis,
                                                       django_capture_on_commit_callbacks):
    sales1 = book["sp1"].user
    client.force_login(sales1)
    pages = ["/", "/customers/", f"/customers/{book['c1'].code}/", "/api/v1/customers/"]
    assert [client.get(p).status_code for p in pages] == [200, 200, 200, 200]

    private_redis.stop()
    assert [client.get(p).status_code for p in pages] == [200, 200, 200, 200]
    # Login throttling reads the cache: a failed login is still answered, not a 500.
    assert client.post("/accounts/login/", {"username": "sales1", "password": "wrong"}).status_code == 200

    today = timezone.localdate()
    campaign = Campaign.objects.create(name="回馈", value=Decimal("10.00"), valid_from=today,
                                       valid_to=today + dt.timedelta(days=10), sms_template="{name} 券 {code}",
                                       created_by=admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        report = coupon_campaign_send(user=sales1, campaign=campaign, idempotency_key="outage-1",
                                      customers_qs=customer_list(user=sales1))
    assert report.queued == 2
    assert sorted(CouponIssue.objects.values_list("status", flat=True)) == ["queued", "queued"]
    pending = OutboxEvent.objects.get()
    assert pending.dispatched_at is None and pending.last_error  # the publish failed and was kept

    private_redis.start()
    # After recovery the relay (a beat task, every minute) publishes the kept event; the first try may still
    # hold a connection from before the outage, so give it the retries a beat schedule would.
    published = 0
    for _ in range(3):
        published += outbox_relay()
        if published:
            break
        time.sleep(0.5)
    assert published == 1, OutboxEvent.objects.get().last_error
    assert redis.Redis.from_url(private_redis.url).llen("celery") == 1
    sms.outbox.clear()
    coupon_issue_send_batch()  # what the worker does with that message
    assert sorted(CouponIssue.objects.values_list("status", flat=True)) == ["sent", "sent"]
    assert len(sms.outbox) == 2
