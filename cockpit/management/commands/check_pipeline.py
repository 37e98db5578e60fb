"""`manage.py check_pipeline`: the state /healthz answers, for people; exit 1 when unhealthy."""

import sys

from django.core.management.base import BaseCommand
from django.utils import translation

from config.health import pipeline_checks, pipeline_report


class Command(BaseCommand):
    help = "Check database, broker, worker heartbeat, monthly close, stale periods, SMS outbox; exit 1 on failure."

    def handle(self, *args, **options) -> None:
        with translation.override("en"):
            checks = pipeline_checks()
        self.stdout.write(pipeline_report(checks), ending="")
        if not all(c.ok for c in checks):
            sys.exit(1)
