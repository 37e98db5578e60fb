"""/healthz and `manage.py check_pipeline` tell the truth (issue 18): each unhealthy state forced, then read back
from both, with its reason; a healthy pipeline answers 200 "ok"."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from analytics.models import StalePeriod, WorkerHeartbeat
from analytics.periods import last_closed_period
from analytics.services.health import heartbeat_record
from coupons.models import Campaign, CouponIssue, OutboxEvent
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


def _health(client) -> tuple[int, str]:
    response = client.get("/healthz")
    assert response["Content-Type"].startswith("text/plain") and response["Cache-Control"] == "no-store"
    return response.status_code, response.content.decode()


def _check_pipeline() -> tuple[int, str]:
    import io

    out = io.StringIO()
    try:
        call_command("check_pipeline", stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


@pytest.fixture(autouse=True)
def _english():
    """The checks called directly speak English here, as /healthz and check_pipeline do (pages: the user's)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def beat_sent(ago: dt.timedelta = dt.timedelta(0)) -> None:
    """What django-celery-beat's scheduler saves when it sends the every-minute heartbeat entry."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every, _ = IntervalSchedule.objects.get_or_create(every=60, period=IntervalSchedule.SECONDS)
    sent = timezone.now() - ago
    PeriodicTask.objects.update_or_create(
        name="worker-heartbeat",
        defaults={"task": "analytics.tasks.worker_heartbeat", "interval": every, "last_run_at": sent})
    PeriodicTask.objects.filter(name="worker-heartbeat").update(date_changed=sent)  # the row is saved as it sends


def beat_started(ago: dt.timedelta, *, sent: dt.timedelta | None = None) -> None:
    """What the scheduler writes when it starts: its entries saved, the heartbeat's last send (if any) kept."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every, _ = IntervalSchedule.objects.get_or_create(every=60, period=IntervalSchedule.SECONDS)
    now = timezone.now()
    PeriodicTask.objects.update_or_create(name="worker-heartbeat", defaults={
        "task": "analytics.tasks.worker_heartbeat", "interval": every,
        "last_run_at": None if sent is None else now - sent})
    PeriodicTask.objects.filter(name="worker-heartbeat").update(date_changed=now - ago)


@pytest.fixture
def healthy():
    heartbeat_record(worker="celery@here")
    beat_sent()


def test_a_healthy_pipeline_answers_ok(client, healthy):
    status, body = _health(client)
    assert status == 200 and body.splitlines()[0] == "ok"
    assert [line.split(":")[0] for line in body.splitlines()[1:]] == [
        "ok   database", "ok   broker", "ok   worker", "ok   beat", "ok   close", "ok   stale", "ok   sms",
        "ok   sms_provider"]
    assert _check_pipeline() == (0, body)


def test_no_worker_heartbeat_for_five_minutes(client):
    beat_sent()
    assert _health(client) == (503, _health(client)[1])
    assert "worker: no worker heartbeat yet" in _health(client)[1].splitlines()[0]
    WorkerHeartbeat.objects.create(worker="celery@old", seen_at=timezone.now() - dt.timedelta(minutes=6))
    status, body = _health(client)
    assert (status, body.splitlines()[0]) == (503, "unhealthy: worker: no worker heartbeat for 6 min")
    heartbeat_record(worker="celery@new")
    assert _health(client)[0] == 200
    code, text = _check_pipeline()
    assert code == 0 and "ok   worker: heartbeat 0 min ago" in text


def test_a_beat_that_stopped_sending(client, healthy):
    beat_sent(ago=dt.timedelta(minutes=7))
    status, body = _health(client)
    assert (status, body.splitlines()[0]) == (503, "unhealthy: beat: the beat last sent a task 7 min ago")
    from django_celery_beat.models import PeriodicTask

    PeriodicTask.objects.all().delete()  # a fresh install whose beat never started
    assert "beat: the beat has not run yet" in _health(client)[1].splitlines()[0]
    beat_sent()
    assert _health(client)[0] == 200


def test_a_beat_that_has_just_started_is_starting_not_down(client, healthy):
    from django_celery_beat.models import PeriodicTask

    PeriodicTask.objects.all().delete()
    beat_started(ago=dt.timedelta(seconds=50))  # a fresh install: schedule loaded, nothing sent yet
    status, body = _health(client)
    assert status == 200 and "beat: starting: schedule loaded 0 min ago" in body, body
    beat_started(ago=dt.timedelta(seconds=30), sent=dt.timedelta(hours=3))  # restarted after three hours down
    assert _health(client)[0] == 200
    beat_started(ago=dt.timedelta(minutes=3))  # loaded its schedule three minutes ago and never sent: stuck
    status, body = _health(client)
    assert (status, body.splitlines()[0]) == (503, "unhealthy: beat: the beat has not run yet (is it running?)")
    beat_started(ago=dt.timedelta(minutes=3), sent=dt.timedelta(hours=3))
    assert "the beat last sent a task 3 h ago" in _health(client)[1].splitlines()[0]


def test_the_last_closed_month_without_a_snapshot_six_hours_after_the_close(client, healthy, monkeypatch):
    from config import health

    period = last_closed_period()
    OrderFactory(customer=CustomerFactory(code="H1"), order_date=period.replace(day=3), amount=Decimal("10.00"))
    first = timezone.make_aware(dt.datetime.combine(timezone.localdate().replace(day=1), dt.time.min))
    assert health.check_close(first + dt.timedelta(hours=5, minutes=59)).ok
    late = health.check_close(first + dt.timedelta(hours=6, minutes=1))
    assert (late.ok, late.detail) == (False, f"{period:%Y-%m} has no snapshot 6 h 1 min after its close")
    if timezone.now() - first > dt.timedelta(hours=6):
        status, body = _health(client)
        assert status == 503 and f"close: {period:%Y-%m} has no snapshot" in body.splitlines()[0]
        assert _check_pipeline()[0] == 1
    from analytics.services.snapshots import snapshot_compute

    snapshot_compute(period=period)
    assert health.check_close(first + dt.timedelta(hours=7)).ok
    assert _health(client)[0] == 200


def test_a_stale_period_older_than_two_hours(client, healthy):
    row = StalePeriod.objects.create(period=dt.date(2025, 3, 1), reason="import")
    assert _health(client)[0] == 200  # just marked: the sweep has time
    StalePeriod.objects.filter(pk=row.pk).update(marked_at=timezone.now() - dt.timedelta(hours=2, minutes=5))
    status, body = _health(client)
    assert (status, body.splitlines()[0]) == (503, "unhealthy: stale: 2025-03 stale for 2 h 5 min")
    code, text = _check_pipeline()
    assert code == 1 and "FAIL stale: 2025-03 stale for 2 h 5 min" in text


def test_an_sms_message_or_outbox_event_older_than_fifteen_minutes(client, healthy, admin_user):
    today = timezone.localdate()
    campaign = Campaign.objects.create(name="c", kind=Campaign.Kind.FACE_VALUE, value=Decimal("5.00"),
                                       valid_from=today, valid_to=today, sms_template="{code}", created_by=admin_user)
    issue = CouponIssue.objects.create(campaign=campaign, customer=CustomerFactory(code="S1"), code="X1",
                                       mobile="+8613800138000", message="m", send_day=today)
    assert _health(client)[0] == 200  # due now: the send task has time
    CouponIssue.objects.filter(pk=issue.pk).update(scheduled_for=timezone.now() - dt.timedelta(minutes=16))
    status, body = _health(client)
    assert (status, body.splitlines()[0]) == (503, "unhealthy: sms: 1 message(s) due 16 min ago still queued")
    CouponIssue.objects.filter(pk=issue.pk).update(status="sent")
    OutboxEvent.objects.create(topic="send", created_at=timezone.now() - dt.timedelta(minutes=20))
    status, body = _health(client)
    assert (status, body.splitlines()[0]) == (503, "unhealthy: sms: 1 outbox event(s) unpublished for over 15 min")


def test_an_exhausted_sms_balance_until_someone_clears_it(client, healthy):
    from coupons.models import SmsAlert

    alert = SmsAlert.objects.create(provider="aliyun", code="isv.AMOUNT_NOT_ENOUGH", message="balance exhausted")
    status, body = _health(client)
    assert (status, body.splitlines()[0]) == (503, "unhealthy: sms_provider: sending stopped: aliyun: "
                                                   "isv.AMOUNT_NOT_ENOUGH")
    assert _check_pipeline()[0] == 1
    SmsAlert.objects.filter(pk=alert.pk).update(cleared_at=timezone.now())
    assert _health(client)[0] == 200


def test_the_database_down(client, healthy, monkeypatch):
    from config import health

    def refused(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", refused)
    checks = health.pipeline_checks()
    assert [(c.name, c.ok) for c in checks] == [("database", False), ("broker", True), ("worker", False),
                                               ("beat", False), ("close", False), ("stale", False), ("sms", False),
                                               ("sms_provider", False)]
    assert health.pipeline_report(checks).startswith("unhealthy: database: OperationalError: connection refused; ")


def test_the_broker_down(client, healthy, settings, tmp_path):
    options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS}
    options["data_folder_in"] = options["data_folder_out"] = str(tmp_path / "gone")
    settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS = "filesystem://", options
    status, body = _health(client)
    assert (status, body.splitlines()[0]) == (
        503, f"unhealthy: broker: broker folder missing or read-only: {tmp_path / 'gone'}")
    (tmp_path / "gone").mkdir()
    assert _health(client)[0] == 200


@pytest.mark.redis
def test_redis_down_is_the_broker_down(healthy, settings):
    from config import health
    from config.celery import app
    from tests.conftest import redis_url

    app.conf.broker_url = redis_url()
    settings.CELERY_BROKER_URL = redis_url()
    try:
        assert health.check_broker().ok
        app.conf.broker_url = settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
        down = health.check_broker()
        assert (down.ok, down.detail.startswith("unreachable: ")) == (False, True)
    finally:
        app.conf.broker_url = "filesystem://"


def test_the_settings_page_shows_the_checks_to_admins(admin_client, client, manager_user, healthy):
    StalePeriod.objects.create(period=dt.date(2025, 3, 1), reason="import")
    StalePeriod.objects.filter(period=dt.date(2025, 3, 1)).update(marked_at=timezone.now() - dt.timedelta(hours=3))
    index = admin_client.get("/settings/").content.decode()
    assert 'hx-get="/settings/health/"' in index
    card = admin_client.get("/settings/health/", HTTP_HX_REQUEST="true").content.decode()
    assert "需要处理" in card and "待重算月份" in card and "2025-03 已待重算 3 小时" in card
    assert "<html" not in card  # the card alone, for the settings page to place
    page = admin_client.get("/settings/health/").content.decode()  # opened directly: a page with its layout
    assert "<html" in page and "<title>" in page and 'class="settings-nav"' in page
    assert "2025-03 已待重算 3 小时" in page
    client.force_login(manager_user)
    assert 'hx-get="/settings/health/"' not in client.get("/settings/").content.decode()
    assert client.get("/settings/health/").status_code in (403, 404)
