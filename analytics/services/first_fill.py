"""What a fresh install still has to compute, queued as background jobs so the web server can answer at once.

`make run` seeds the demo and then serves it straight away: the worker computes the closed months (the fill job,
oldest first), then trains the churn model (which rescores those months), and the pages say how far it got
(analytics.context_processors.first_fill). On the next start everything is computed and nothing is queued.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from analytics.models import BackgroundJob, ChurnModel, CustomerPulse
from analytics.periods import fmt, last_closed_period, month_end
from analytics.services.jobs import ACTIVE, job_active, job_start, job_touch
from analytics.services.stale import periods_due

# FILL_KIND: the beat's fill step never starts a second one
from analytics.tasks import CHURN_TRAIN_KIND, CHURN_TRAIN_STEPS, FILL_KIND


@dataclasses.dataclass
class FillPlan:
    fill: BackgroundJob | None = None  # the fill job (new or already under way), if months are due
    fill_created: bool = False
    churn: BackgroundJob | None = None  # the churn training job, if no model exists as of the last closed month
    churn_created: bool = False
    pulse_queued: bool = False
    resumed: list[int] = dataclasses.field(default_factory=list)  # active jobs whose messages were gone

    @property
    def nothing(self) -> bool:
        return self.fill is None and self.churn is None and not self.pulse_queued


# The pages' notice remembers "nothing under way" this long (analytics.context_processors.first_fill).
IDLE_KEY = "first_fill:idle"
IDLE_SECONDS = 600

# The tasks that carry each job kind forward: while one of them waits in the broker, the job is not lost.
FILL_TASKS = {"analytics.tasks.fill_run", "analytics.tasks.compute_period"}
CHURN_TASKS = {"analytics.churn.tasks.churn_train_job"}


def broker_pending_tasks() -> set[str] | None:
    """The task names waiting in the embedded broker's folder (kombu's filesystem transport: one JSON file per
    message); None with any other broker, whose messages we cannot list (Redis redelivers unacked ones anyway)."""
    if not str(settings.CELERY_BROKER_URL).startswith("filesystem"):
        return None
    names = set()
    for path in Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]).glob("*.msg"):
        try:
            names.add(json.loads(path.read_text())["headers"]["task"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # taken by a worker meanwhile, or not a Celery message
    return names


def churn_as_of(today: dt.date | None = None) -> dt.date:
    """The date the monthly model is trained as of: the end of the last closed month (as churn_backtest does)."""
    return month_end(last_closed_period(today))


def first_fill_queue(*, today: dt.date | None = None) -> FillPlan:
    """Queue what is not computed yet: the due months, the churn model, today's pulse. Idempotent: what is computed
    or already queued (a job still active from the previous start) is left alone.

    Meant to run before the worker starts (`make run`): a job still active whose message is no longer in the
    embedded broker was cut short by the last Ctrl-C, and is enqueued again."""
    from analytics.churn.tasks import churn_train_job
    from analytics.tasks import daily_pulse, fill_run

    plan = FillPlan()
    pending = broker_pending_tasks()
    plan.fill = job_active(kind=FILL_KIND)
    if plan.fill is not None and pending is not None and not pending & FILL_TASKS:
        # The previous start stopped mid-fill and the embedded broker lost the message of the month under way
        # (it removes a message when a worker takes it): enqueue the fill again now, not after the job sweep's
        # 10 minutes. fill_run computes only the months still due.
        fill_run.delay(plan.fill.id)
        job_touch(job_id=plan.fill.id)
        plan.resumed.append(plan.fill.id)
    if plan.fill is None:
        due = periods_due(today=today)
        if due:
            periods = [fmt(p) for p, _ in due]
            plan.fill, plan.fill_created = job_start(
                kind=FILL_KIND, params={"periods": periods, "reasons": [r for _, r in due], "first": True},
                total=len(periods), user=None, message=f"{periods[0]} .. {periods[-1]}",
                enqueue=lambda job_id: fill_run.delay(job_id))
    as_of = churn_as_of(today)
    if not ChurnModel.objects.filter(as_of=as_of).exists():
        # Enqueued now, it waits for the fill job to finish (churn_train_job looks again every 15 s meanwhile).
        plan.churn, plan.churn_created = job_start(
            kind=CHURN_TRAIN_KIND, params={"as_of": as_of.isoformat()}, total=CHURN_TRAIN_STEPS, user=None,
            message=f"as of {as_of}", enqueue=lambda job_id: churn_train_job.delay(job_id))
        if not plan.churn_created and pending is not None and not pending & CHURN_TASKS:
            churn_train_job.delay(plan.churn.id)
            job_touch(job_id=plan.churn.id)
            plan.resumed.append(plan.churn.id)
    if plan.fill_created or plan.churn_created or plan.resumed:
        cache.delete(IDLE_KEY)  # the pages show the notice again (a shared cache; a local one starts empty anyway)
    yesterday = (today or timezone.localdate()) - dt.timedelta(days=1)
    if not CustomerPulse.objects.filter(as_of=yesterday).exists():
        daily_pulse.delay(yesterday.isoformat())
        plan.pulse_queued = True
    return plan


def first_fill_state() -> dict[str, BackgroundJob | None]:
    """The first fill's jobs still under way, for the pages' notice: {"fill": job or None, "churn": job or None}."""
    jobs = BackgroundJob.objects.filter(kind__in=(FILL_KIND, CHURN_TRAIN_KIND), status__in=ACTIVE)
    state: dict[str, BackgroundJob | None] = {"fill": None, "churn": None}
    for job in jobs.order_by("created_at", "id"):
        if job.kind == FILL_KIND and job.params.get("first") and state["fill"] is None:
            state["fill"] = job
        elif job.kind == CHURN_TRAIN_KIND and state["churn"] is None:
            state["churn"] = job
    return state
