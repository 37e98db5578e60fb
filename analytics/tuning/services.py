"""Policy versions from the editor: save with a recorded diff, restore, history; recompute N months in the background.

Every save goes through `analytics.services.policies.policy_set` (the same validation as `set_policy`); the diff
against the version it replaces is stored in the AuditLog entry of the save (`details["diff"]`: key -> [old, new]).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from analytics.models import BackgroundJob, GradingPolicy, SnapshotRun
from analytics.periods import add_months, fmt, last_closed_period, parse_period
from analytics.services.jobs import job_finish, job_running, job_start
from analytics.services.policies import policy_get, policy_set
from core.exceptions import DomainError
from customers.models import AuditLog
from customers.services import audit

from .diff import policy_diff
from .forms import METHOD_LABELS, Change, changes_described

POLICY_SAVED = "policy_set"
RECOMPUTE_KIND = "policy_recompute"
MAX_RECOMPUTE_MONTHS = 60


class TuningError(DomainError):
    """A request the editor cannot carry out, with a message for the user."""


@transaction.atomic
def policy_save(*, data: dict[str, Any] | str, user: Any, comment: str = "") -> GradingPolicy:
    """Validate and save a new active policy version, recording who, when and the diff against the previous one.

    Raises PolicyError exactly as `set_policy` does (same messages).
    """
    previous = GradingPolicy.objects.filter(is_active=True).first() or GradingPolicy.objects.first()
    row = policy_set(data=data, user=user if getattr(user, "is_authenticated", False) else None, comment=comment)
    diff = policy_diff(previous.data if previous else None, row.data)
    audit(user=user, action=POLICY_SAVED, target=f"policy:v{row.version}", version=row.version,
          previous_version=previous.version if previous else None, diff=diff, comment=comment)
    return row


def policy_restore(*, version: int, user: Any) -> GradingPolicy:
    """Restore an old version: a new version equal to it becomes active (history is never rewritten)."""
    try:
        old = GradingPolicy.objects.get(version=version)
    except GradingPolicy.DoesNotExist as exc:
        raise TuningError(f"no policy version {version}") from exc
    # the comment is stored text: written in the language of whoever restored it, as a comment they typed would be
    return policy_save(data=old.data, user=user, comment=gettext("Restore of version %(v)s") % {"v": version})


@dataclass
class VersionEntry:
    row: GradingPolicy
    diff: dict[str, list[Any]]
    previous_version: int | None

    @property
    def changes(self) -> list[Change]:
        """The diff as the page shows it: field labels and readable values, not JSON keys."""
        return changes_described(self.diff)

    @property
    def comment_text(self) -> str:
        """The comment as typed; the ones the system writes (the first version's, a restore's) in the user's words."""
        comment = self.row.comment
        if comment == "defaults":  # analytics.services.policies.policy_active's first version
            return gettext("The default policy")
        restored = re.fullmatch(r"restore of v(\d+)", comment)  # written by restores before they were translated
        return gettext("Restore of version %(v)s") % {"v": restored.group(1)} if restored else comment

    @property
    def method_label(self) -> str:
        method = self.row.data.get("method", "")
        return str(METHOD_LABELS.get(method, method))


def policy_history(*, limit: int = 100) -> list[VersionEntry]:
    """Newest first: each version with what changed against the version it replaced (stored diff, else computed)."""
    rows = list(GradingPolicy.objects.select_related("created_by").order_by("-version")[: limit + 1])
    stored = {
        entry.target: entry.details
        for entry in AuditLog.objects.filter(action=POLICY_SAVED, target__in=[f"policy:v{r.version}" for r in rows])
        .order_by("id")
    }
    out = []
    for i, row in enumerate(rows[:limit]):
        details = stored.get(f"policy:v{row.version}")
        if details is not None and "diff" in details:
            out.append(VersionEntry(row, details["diff"], details.get("previous_version")))
            continue
        before = rows[i + 1] if i + 1 < len(rows) else None
        out.append(VersionEntry(row, policy_diff(before.data if before else None, row.data),
                                before.version if before else None))
    return out


def recompute_periods(months: int, *, today: dt.date | None = None) -> list[dt.date]:
    """The last `months` closed periods, oldest first."""
    last = last_closed_period(today)
    return [add_months(last, -k) for k in range(months - 1, -1, -1)]


def recompute_start(*, months: int, user: Any, policy_version: int | None = None) -> BackgroundJob:
    """Queue the recompute of the last `months` closed periods with one policy version (the active one by default).

    Returns at once: the job row carries the progress (done/total) a page polls, a worker does the work after this
    transaction commits. The same recompute asked again while it is queued or running returns the running job.
    """
    if not 1 <= months <= MAX_RECOMPUTE_MONTHS:
        raise TuningError(f"must be a whole number between 1 and {MAX_RECOMPUTE_MONTHS}", field="months")
    version = policy_get(policy_version).version
    periods = [fmt(p) for p in recompute_periods(months)]
    from .tasks import recompute_months

    with transaction.atomic():
        job, created = job_start(
            kind=RECOMPUTE_KIND, params={"periods": periods, "policy_version": version}, total=len(periods),
            user=user, message=f"{periods[0]} .. {periods[-1]} with policy v{version}",
            enqueue=lambda job_id: recompute_months.delay(job_id))
        if created:
            audit(user=user, action="policy_recompute", target=f"job:{job.id}", periods=periods,
                  policy_version=version)
    return job


def recompute_remaining(*, job_id: int) -> tuple[BackgroundJob, list[str]]:
    """The job's periods not yet recomputed by it (a run with its policy version finished since the job began).

    A redelivered or resumed job therefore queues only what is left; each period is replaced atomically by
    `snapshot_compute`, so a period computed twice gives the same table anyway.
    """
    job = BackgroundJob.objects.get(id=job_id)
    if job.status in (BackgroundJob.Status.DONE, BackgroundJob.Status.FAILED):
        return job, []
    periods, version = job.params["periods"], job.params["policy_version"]
    finished = {fmt(p) for p in SnapshotRun.objects.filter(
        period__in=[parse_period(p) for p in periods], policy__version=version, status=SnapshotRun.Status.DONE,
        finished_at__gte=job.created_at).values_list("period", flat=True)}
    remaining = [p for p in periods if p not in finished]
    BackgroundJob.objects.filter(id=job.id).update(done=len(periods) - len(remaining))
    if not remaining:
        job_finish(job_id=job.id, message=f"{len(periods)} periods recomputed",
                   result={"periods": periods, "policy_version": version})
    else:
        job_running(job_id=job.id, message=f"{len(remaining)} of {len(periods)} periods queued")
    job.refresh_from_db()
    return job, remaining
