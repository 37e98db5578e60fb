"""queue_fill: queue what a fresh install has not computed yet (the due months, the churn model, the pulse) as
background jobs for the worker, and return at once. `make run` calls it on every start: on a computed database it
queues nothing."""

from typing import Any

from django.core.management.base import BaseCommand

from analytics.services.first_fill import first_fill_queue


class Command(BaseCommand):
    help = ("Queue the months never computed (or stale), the churn model and the pulse as background jobs for the "
            "worker; does nothing when all is computed or already queued.")

    def handle(self, *args: Any, **options: Any) -> None:
        plan = first_fill_queue()
        w = self.stdout.write
        if plan.fill is not None:
            verb = "queued" if plan.fill_created else "already under way"
            periods = plan.fill.params.get("periods") or ["?"]
            w(f"queue_fill: months {periods[0]} .. {periods[-1]}: {plan.fill.total} months {verb} (job {plan.fill.id}, "
              f"{plan.fill.done} done); the worker computes them, the pages show the progress")
        if plan.churn is not None:
            verb = "queued" if plan.churn_created else "already under way"
            w(f"queue_fill: churn model {plan.churn.message}: {verb} (job {plan.churn.id}), trained after the months")
        if plan.resumed:
            w(f"queue_fill: the previous start stopped mid-way; job(s) {', '.join(map(str, plan.resumed))} "
              "enqueued again")
        if plan.pulse_queued:
            w("queue_fill: the pulse as of yesterday queued")
        if plan.nothing:
            w("queue_fill: every closed month, the churn model and the pulse are computed; nothing to do")
