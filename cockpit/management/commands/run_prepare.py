"""run_prepare: what `make run` does before it starts the servers, in one process (each manage.py start costs
3-8 s on a loaded machine): migrate, seed the demo when the database is empty, give it a coupon campaign, queue
what is not computed yet (queue_fill). Idempotent: on a prepared database it changes nothing. In the cockpit app,
the top one, since it runs every app's commands."""

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "migrate, seed_demo --if-empty --force, seed_demo_campaign, queue_fill: make run's preparation."

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        for name, kwargs in (("migrate", {"interactive": False}),
                             # --force: also with DEBUG off (make run serves with DEBUG off); --if-empty keeps data
                             ("seed_demo", {"if_empty": True, "force": True}),
                             ("seed_demo_campaign", {}),
                             ("queue_fill", {})):
            started = time.monotonic()
            call_command(name, verbosity=verbosity, stdout=self.stdout, stderr=self.stderr, **kwargs)
            self.stdout.write(f"run_prepare: {name} took {time.monotonic() - started:.1f} s")
