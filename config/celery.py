"""The Celery app: reads CELERY_* settings; periodic tasks are declared once, in settings.CELERY_BEAT_SCHEDULE."""

import logging
import os

from celery import Celery, bootsteps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

log = logging.getLogger(__name__)

app = Celery("cockpit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

HEARTBEAT_EVERY = 30.0  # seconds; /healthz alerts after 5 silent minutes


class WorkerHeartbeat(bootsteps.StartStopStep):
    """The worker process itself records that it is alive, from its timer thread, every 30 s.

    Not a queued task: a worker busy with a 24-month fill still counts as alive (a heartbeat task would wait behind
    the fill in the queue, and /healthz would page someone for a worker that is working).
    """

    requires = ("celery.worker.components:Timer",)

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self.tref = None

    def start(self, parent):
        self.tref = parent.timer.call_repeatedly(HEARTBEAT_EVERY, self.record, (parent.hostname,), priority=10)
        self.record(parent.hostname)

    def stop(self, parent):
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None

    @staticmethod
    def record(hostname: str) -> None:
        from django.db import connection

        from analytics.services.health import heartbeat_record

        try:
            heartbeat_record(worker=hostname)
        except Exception:  # a database blip must not stop the worker; /healthz then says how long it has been
            log.exception("worker heartbeat not recorded")
        finally:
            connection.close()  # the timer thread's own connection: never left open between beats


app.steps["worker"].add(WorkerHeartbeat)
