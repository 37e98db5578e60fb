"""The worker heartbeat /healthz reads (config/health.py)."""

from django.utils import timezone

from analytics.models import WorkerHeartbeat


def heartbeat_record(*, worker: str) -> None:
    """A worker ran the beat's heartbeat task now."""
    WorkerHeartbeat.objects.update_or_create(worker=worker[:255], defaults={"seen_at": timezone.now()})
