"""Is the pipeline healthy? The checks behind /healthz (503 with the reasons) and `manage.py check_pipeline`.

Each check answers from the database (or the broker) alone, so a load balancer or a pager can ask every minute:
- database: answers a query;
- broker: Redis answers, or the embedded broker's folders exist and are writable;
- worker: a worker process recorded itself within 5 minutes (config.celery.WorkerHeartbeat, every 30 s, busy or not);
- beat: the beat sent its every-minute heartbeat task within 5 minutes (django-celery-beat's last_run_at);
- close: the last closed month has a snapshot 6 hours after it closed (midnight of the 1st, business time);
- stale: no period has waited more than 2 hours for its recompute;
- sms: no coupon message due more than 15 minutes ago is still queued, no outbox event older than that is unsent;
- sms_provider: no open provider alert (exhausted balance, refused account: coupons.selectors.sms_health).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from customers.views.access import admin_required, is_htmx

HEARTBEAT_MAX_AGE = dt.timedelta(minutes=5)
BEAT_STARTING = dt.timedelta(minutes=2)  # a beat's first heartbeat is sent within a minute of its start
BEAT_ENTRY = "worker-heartbeat"  # the CELERY_BEAT_SCHEDULE entry sent every minute
CLOSE_GRACE = dt.timedelta(hours=6)
STALE_MAX_AGE = dt.timedelta(hours=2)
SMS_MAX_AGE = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _ago(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return _("%(m)s min") % {"m": minutes}
    if minutes % 60 and minutes < 48 * 60:
        return _("%(h)s h %(m)s min") % {"h": minutes // 60, "m": minutes % 60}
    return _("%(h)s h") % {"h": minutes // 60}


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        return Check("database", False, f"{type(exc).__name__}: {exc}".strip()[:200])
    return Check("database", True, connection.vendor)


def check_broker() -> Check:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folders = {settings.CELERY_BROKER_TRANSPORT_OPTIONS[k] for k in ("data_folder_in", "data_folder_out")}
        bad = [f for f in sorted(folders) if not (Path(f).is_dir() and os.access(f, os.W_OK))]
        if bad:
            return Check(
                "broker", False, _("broker folder missing or read-only: %(folders)s") % {"folders": ", ".join(bad)}
            )
        return Check("broker", True, "filesystem")
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        return Check("broker", False, _("unreachable: %(error)s") % {"error": type(exc).__name__})
    return Check("broker", True, url.split("://", 1)[0])


def check_worker(now: dt.datetime) -> Check:
    from analytics.models import WorkerHeartbeat

    last = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    if last is None:
        return Check("worker", False, _("no worker heartbeat yet (is the worker running?)"))
    if now - last > HEARTBEAT_MAX_AGE:
        return Check("worker", False, _("no worker heartbeat for %(ago)s") % {"ago": _ago(now - last)})
    return Check("worker", True, _("heartbeat %(ago)s ago") % {"ago": _ago(now - last)})


def check_beat(now: dt.datetime) -> Check:
    """The beat is alive when it keeps sending its every-minute heartbeat entry (it saves last_run_at as it sends).

    A beat that has just started has written its schedule (the entry's date_changed: django-celery-beat saves the
    row on start and on every send) but not yet sent: that is starting, not down (/healthz answered 503 for the
    first minute of every `make run`). A beat that stopped sending stopped writing the row too.
    """
    from django_celery_beat.models import PeriodicTask

    row = PeriodicTask.objects.filter(name=BEAT_ENTRY).values_list("last_run_at", "date_changed").first()
    last, written = row if row is not None else (None, None)
    if written is not None and now - written <= BEAT_STARTING and (last is None or now - last > HEARTBEAT_MAX_AGE):
        return Check("beat", True, _("starting: schedule loaded %(ago)s ago, first heartbeat due within a minute")
                     % {"ago": _ago(now - written)})
    if last is None:
        return Check("beat", False, _("the beat has not run yet (is it running?)"))
    if now - last > HEARTBEAT_MAX_AGE:
        return Check("beat", False, _("the beat last sent a task %(ago)s ago") % {"ago": _ago(now - last)})
    return Check("beat", True, _("sent a task %(ago)s ago") % {"ago": _ago(now - last)})


def check_close(now: dt.datetime) -> Check:
    from analytics.models import PeriodSummary
    from analytics.periods import fmt, last_closed_period
    from sales.models import Order

    today = timezone.localdate(now)
    period = last_closed_period(today)
    closed_at = timezone.make_aware(dt.datetime.combine(today.replace(day=1), dt.time.min))
    if PeriodSummary.objects.filter(period=period).exists():
        return Check("close", True, _("%(period)s computed") % {"period": fmt(period)})
    if not Order.objects.filter(order_date__lt=today.replace(day=1)).exists():
        return Check("close", True, _("no closed month with orders yet"))
    if now - closed_at < CLOSE_GRACE:
        return Check(
            "close",
            True,
            _("%(period)s closed %(ago)s ago, not computed yet")
            % {"period": fmt(period), "ago": _ago(now - closed_at)},
        )
    return Check(
        "close",
        False,
        _("%(period)s has no snapshot %(ago)s after its close") % {"period": fmt(period), "ago": _ago(now - closed_at)},
    )


def check_stale(now: dt.datetime) -> Check:
    from analytics.models import StalePeriod
    from analytics.periods import fmt

    oldest = StalePeriod.objects.order_by("marked_at").first()
    if oldest is not None and now - oldest.marked_at > STALE_MAX_AGE:
        return Check(
            "stale",
            False,
            _("%(period)s stale for %(ago)s") % {"period": fmt(oldest.period), "ago": _ago(now - oldest.marked_at)},
        )
    count = StalePeriod.objects.count()
    return Check("stale", True, _("%(count)s waiting") % {"count": count} if count else _("none"))


def check_sms(now: dt.datetime) -> Check:
    from coupons.models import CouponIssue, OutboxEvent

    limit = now - SMS_MAX_AGE
    due = CouponIssue.objects.filter(status=CouponIssue.Status.QUEUED, scheduled_for__lt=limit)
    oldest = due.order_by("scheduled_for").values_list("scheduled_for", flat=True).first()
    if oldest is not None:
        return Check(
            "sms",
            False,
            _("%(count)s message(s) due %(ago)s ago still queued") % {"count": due.count(), "ago": _ago(now - oldest)},
        )
    unsent = OutboxEvent.objects.filter(dispatched_at__isnull=True, created_at__lt=limit)
    if unsent.exists():
        return Check(
            "sms",
            False,
            _("%(count)s outbox event(s) unpublished for over %(ago)s")
            % {"count": unsent.count(), "ago": _ago(SMS_MAX_AGE)},
        )
    return Check("sms", True, _("nothing overdue"))


def check_sms_provider() -> Check:
    """An exhausted balance or a refused account stops every send through that provider until someone acts."""
    from coupons.selectors import sms_health

    health = sms_health()
    if not health["ok"]:
        alerts = "; ".join(f"{a['provider']}: {a['code']}" for a in health["alerts"])
        return Check("sms_provider", False, _("sending stopped: %(alerts)s") % {"alerts": alerts})
    return Check("sms_provider", True, _("sending"))


def pipeline_checks(now: dt.datetime | None = None) -> list[Check]:
    """Every check, in order; the ones that need the database are skipped (reported failed) when it is down."""
    now = now or timezone.now()
    database = check_database()
    checks = [database, check_broker()]
    if not database.ok:
        needs_db = ("worker", "beat", "close", "stale", "sms", "sms_provider")
        return [*checks, *(Check(name, False, _("database down")) for name in needs_db)]
    return [*checks, check_worker(now), check_beat(now), check_close(now), check_stale(now), check_sms(now),
            check_sms_provider()]


def pipeline_report(checks: list[Check]) -> str:
    """'ok' or 'unhealthy: reason; reason', then one line per check."""
    failed = [c for c in checks if not c.ok]
    head = "ok" if not failed else "unhealthy: " + "; ".join(f"{c.name}: {c.detail}" for c in failed)
    lines = [f"{'ok  ' if c.ok else 'FAIL'} {c.name}: {c.detail}" for c in checks]
    return "\n".join([head, *lines]) + "\n"


NAMES = {
    "database": gettext_lazy("database"),
    "broker": gettext_lazy("broker"),
    "worker": gettext_lazy("worker"),
    "beat": gettext_lazy("scheduler (beat)"),
    "close": gettext_lazy("monthly close"),
    "stale": gettext_lazy("stale periods"),
    "sms": gettext_lazy("SMS outbox"),
    "sms_provider": gettext_lazy("SMS provider"),
}


@admin_required
@require_GET
def pipeline_health(request: HttpRequest) -> HttpResponse:
    """The same checks as /healthz, in the admin's language: a card the settings page loads with htmx, or a page of
    its own when opened directly."""
    rows = [(NAMES[c.name], c) for c in pipeline_checks()]
    template = "settings/health.html" if is_htmx(request) else "settings/health_page.html"
    return render(request, template, {"rows": rows, "healthy": all(c.ok for _n, c in rows)})
