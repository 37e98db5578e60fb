"""Long work answers at once with a job (issue 18): the same recompute twice gives one job, the button is disabled
while it runs, a step that fails for good fails its job, the beat's tasks enqueue the real per-period task (so its
retries happen) and the fill step computes every closed month that is missing or stale, oldest first."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import OperationalError

from analytics.models import BackgroundJob, PeriodSummary, SnapshotRun, StalePeriod
from analytics.periods import add_months, fmt, last_closed_period
from analytics.services.jobs import job_step, jobs_lost
from analytics.services.policies import policy_active
from analytics.services.stale import periods_due, periods_mark_stale
from tests.factories import CustomerFactory, OrderFactory


def _book(months: int = 4) -> list[dt.date]:
    """One customer buying in each of the last `months` closed months; returns those periods, oldest first."""
    last = last_closed_period()
    periods = [add_months(last, -k) for k in range(months - 1, -1, -1)]
    customer = CustomerFactory(code="J1", first_seen=periods[0])
    for period in periods:
        OrderFactory(customer=customer, order_date=period.replace(day=5), amount=Decimal("100.00"))
    return periods


@pytest.mark.django_db
def test_the_same_recompute_twice_while_it_runs_gives_the_running_job(admin_client,
                                                                      django_capture_on_commit_callbacks):
    policy_active()  # saved before: its commit's cache drop is not a queued job
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = admin_client.post("/settings/grading/recompute/", {"months": "3"}, HTTP_HX_REQUEST="true")
        second = admin_client.post("/settings/grading/recompute/", {"months": "3"}, HTTP_HX_REQUEST="true")
    assert (first.status_code, second.status_code) == (200, 200)
    job = BackgroundJob.objects.get()  # one job, enqueued once
    assert len(queued) == 1
    assert (job.status, job.done, job.total) == ("queued", 0, 3)
    assert "HX-Reswap" not in first and second["HX-Reswap"] == "none"
    assert first["HX-Trigger"] == second["HX-Trigger"] == "job-started"
    # A different recompute is a different job.
    with django_capture_on_commit_callbacks(execute=False):
        admin_client.post("/settings/grading/recompute/", {"months": "2"}, HTTP_HX_REQUEST="true")
    assert BackgroundJob.objects.count() == 2


@pytest.mark.django_db
def test_the_recompute_button_is_disabled_while_a_recompute_runs(admin_client, django_capture_on_commit_callbacks):
    page = admin_client.get("/settings/grading/").content.decode()
    assert '<button type="submit">' in page.split('id="recompute-box"')[1].split("</form>")[0]
    with django_capture_on_commit_callbacks(execute=False):
        admin_client.post("/settings/grading/recompute/", {"months": "3"}, HTTP_HX_REQUEST="true")
    job = BackgroundJob.objects.get()
    for html in (admin_client.get("/settings/grading/").content.decode(),
                 admin_client.get("/settings/grading/recompute/form/", HTTP_HX_REQUEST="true").content.decode()):
        box = html.split('id="recompute-box"')[1].split("</div>")[0]
        assert '<button type="submit" disabled>' in box and "0/3" in box
    partial = admin_client.get(f"/settings/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    assert "HX-Trigger" not in partial  # still running: the box keeps its button disabled
    BackgroundJob.objects.filter(pk=job.pk).update(status="done", done=3)
    partial = admin_client.get(f"/settings/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    assert partial["HX-Trigger"] == "job-finished"
    box = admin_client.get("/settings/grading/recompute/form/", HTTP_HX_REQUEST="true").content.decode()
    assert '<button type="submit">' in box


@pytest.mark.django_db
def test_steps_count_up_to_the_total_and_the_last_one_finishes_the_job():
    job = BackgroundJob.objects.create(kind="policy_recompute", total=2, status="running")
    assert job_step(job_id=job.id).status == "running"
    done = job_step(job_id=job.id, message="2025-03 done")
    assert (done.status, done.done, done.message, done.finished_at is not None) == ("done", 2, "2025-03 done", True)
    assert job_step(job_id=job.id).done == 2  # a redelivered step never counts past the total


@pytest.mark.django_db
def test_a_step_that_fails_for_good_fails_its_job(monkeypatch):
    from analytics.tasks import compute_period

    job = BackgroundJob.objects.create(kind="policy_recompute", total=2, status="running")

    def broken(**kwargs):
        raise ValueError("engine says no")

    monkeypatch.setattr("analytics.services.snapshots.snapshot_compute", broken)
    # As a worker runs it (errors are not re-raised into the caller, as eager mode would).
    result = compute_period.apply(args=["2025-03", None, ""], kwargs={"job_id": job.id}, throw=False)
    assert result.failed()
    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", "2025-03: ValueError: engine says no")


@pytest.mark.django_db
def test_the_monthly_close_runs_the_real_task_with_its_retries(monkeypatch):
    from analytics.services import snapshots
    from analytics.tasks import close_last_month

    _book(1)
    real, calls = snapshots.snapshot_compute, []

    def flaky(**kwargs):
        calls.append(kwargs["period"])
        if len(calls) < 3:
            raise OperationalError("could not connect to server")  # transient: retried with backoff
        return real(**kwargs)

    monkeypatch.setattr(snapshots, "snapshot_compute", flaky)
    # As in a worker, the retry is not raised into the caller (eager mode runs retries inline, without countdown).
    monkeypatch.setitem(close_last_month.app.conf, "task_eager_propagates", False)
    assert close_last_month() == fmt(last_closed_period())
    assert calls == [last_closed_period()] * 3  # two failures, then success: the task's retries, not one attempt
    run = SnapshotRun.objects.get(status="done")
    assert (run.period, run.reason) == (last_closed_period(), "monthly close")


@pytest.mark.django_db
def test_the_fill_step_computes_missing_and_stale_closed_months_oldest_first(monkeypatch,
                                                                            django_capture_on_commit_callbacks):
    from analytics.services import snapshots
    from analytics.tasks import recompute_stale_periods

    periods = _book(4)
    real, order = snapshots.snapshot_compute, []
    for period in periods[1:3]:  # the two middle months were computed; the first and the last were missed
        real(period=period)

    def recording(**kwargs):
        order.append(kwargs["period"])
        return real(**kwargs)

    monkeypatch.setattr(snapshots, "snapshot_compute", recording)
    assert [p for p, _ in periods_due()] == [periods[0], periods[3]]
    with django_capture_on_commit_callbacks(execute=True):
        assert recompute_stale_periods() == [fmt(periods[0]), fmt(periods[3])]
    assert order == [periods[0], periods[3]]  # the months missed (say, while the worker was down), in order
    assert set(PeriodSummary.objects.values_list("period", flat=True)) == set(periods)
    job = BackgroundJob.objects.get(kind="period_fill")
    assert (job.status, job.done, job.total) == ("done", 2, 2)
    assert recompute_stale_periods() == []  # nothing due: nothing queued

    periods_mark_stale(periods=[periods[1]], reason="import of june.csv")
    assert periods_due() == [(periods[1], "import of june.csv")]
    with django_capture_on_commit_callbacks(execute=True):
        assert recompute_stale_periods() == [fmt(periods[1])]
    assert order[-1] == periods[1] and not StalePeriod.objects.exists()
    assert SnapshotRun.objects.filter(period=periods[1]).latest("id").reason == "import of june.csv"


@pytest.mark.django_db
def test_a_sweep_leaves_a_running_fill_alone_and_lost_jobs_are_found():
    from django.utils import timezone

    from analytics.tasks import recompute_stale_periods

    _book(2)
    running = BackgroundJob.objects.create(kind="period_fill", total=2, status="running", updated_at=timezone.now())
    assert recompute_stale_periods() == []
    assert jobs_lost() == []
    BackgroundJob.objects.filter(pk=running.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=11))
    assert jobs_lost() == [running]


@pytest.mark.django_db
def test_a_job_whose_worker_died_is_picked_up_by_the_sweep_and_finishes(admin_user,
                                                                        django_capture_on_commit_callbacks):
    from django.utils import timezone

    from analytics.tasks import jobs_resume
    from analytics.tuning.services import recompute_start

    _book(3)
    with django_capture_on_commit_callbacks(execute=False):  # its message was lost with the worker
        job = recompute_start(months=3, user=admin_user)
    BackgroundJob.objects.filter(pk=job.pk).update(status="running", updated_at=timezone.now() - dt.timedelta(hours=1))
    assert jobs_resume() == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", 3, 3)
    assert SnapshotRun.objects.filter(status="done").count() == 3
    assert jobs_resume() == []
