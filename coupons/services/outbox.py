"""The transactional outbox: work committed with its rows, published to Celery after commit or later.

`outbox_dispatch_on_commit` publishes right after the commit. If the broker is down then, the event stays
pending and `outbox_relay` (the `relay_outbox` beat task) publishes it later, claiming events with
SELECT ... FOR UPDATE SKIP LOCKED so two relays never publish one event twice at the same time. Publishing an
event twice is harmless anyway: sending claims each coupon row with a conditional update.
"""

import logging

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from coupons.models import OutboxEvent

log = logging.getLogger(__name__)


def _publish(event: OutboxEvent) -> None:
    from coupons import tasks

    if event.topic == OutboxEvent.Topic.SEND:
        tasks.send_pending.delay(send_request_id=event.payload.get("send_request"))
    else:  # pragma: no cover - a topic without a publisher is a programming error
        raise ValueError(f"unknown outbox topic {event.topic}")


def _dispatch(event_id: int) -> bool:
    """Claim one pending event, publish it outside any transaction; on failure put it back for the relay.

    Publishing happens after the claim commits, so an eager (in-process) task never runs inside the claim's
    transaction. If the process dies between the claim and the publish, the event stays marked dispatched
    but its rows stay queued, and the periodic `send_pending` sweep sends them: nothing is lost.
    """
    with transaction.atomic():
        qs = OutboxEvent.objects.filter(pk=event_id, dispatched_at__isnull=True)
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        event = qs.first()
        if event is None:
            return False  # already dispatched, or another relay holds it
        OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=timezone.now(), attempts=F("attempts") + 1)
    try:
        _publish(event)
    except Exception as exc:  # noqa: BLE001 - a broker outage: leave the event to the relay
        log.warning("outbox event %s not published yet: %r", event.pk, exc)
        OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=None, last_error=repr(exc)[:2000])
        return False
    return True


def outbox_dispatch_on_commit(event_id: int) -> None:
    """Publish the event once the surrounding transaction commits (never for a rolled-back one)."""
    transaction.on_commit(lambda: _dispatch(event_id), robust=True)


def outbox_relay(*, limit: int = 200) -> int:
    """Publish pending events, oldest first; returns how many were published. Safe to run concurrently."""
    ids = list(OutboxEvent.objects.filter(dispatched_at__isnull=True).order_by("id").values_list("pk", flat=True)
               [:limit])
    return sum(1 for event_id in ids if _dispatch(event_id))


def outbox_send_soon() -> None:
    """Ask for a sweep of every due queued row after commit (requeued or released messages)."""
    with transaction.atomic():
        event = OutboxEvent.objects.create(topic=OutboxEvent.Topic.SEND, payload={})
        outbox_dispatch_on_commit(event.pk)
