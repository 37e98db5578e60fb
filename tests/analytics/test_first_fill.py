"""A fresh install serves first and computes in the background (issue 18 item 1): `make run`'s queue_fill hands
the due months and the churn model to the worker as jobs; while they run, the pages say how far the months got;
a second start queues nothing."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.models import BackgroundJob, ChurnModel, CustomerPulse, PeriodSummary
from analytics.periods import add_months, fmt, last_closed_period
from analytics.services.first_fill import churn_as_of
from analytics.services.policies import policy_active
from tests.factories import CustomerFactory, OrderFactory


def _fill_job(*, done: int, total: int = 24, first: bool = True, status: str = "running") -> BackgroundJob:
    last = last_closed_period()
    periods = [fmt(add_months(last, -k)) for k in range(total - 1, -1, -1)]
    params = {"periods": periods, "reasons": ["never computed"] * total, **({"first": True} if first else {})}
    return BackgroundJob.objects.create(kind="period_fill", status=status, done=done, total=total, params=params)


def _notice(html: str) -> str:
    assert 'id="first-fill"' in html, "the computing notice is missing"
    return html.split('id="first-fill"')[1].split("</div>")[0]


@pytest.mark.django_db
def test_the_dashboard_says_the_months_are_being_computed_with_the_count(client, manager_user):
    client.force_login(manager_user)
    job = _fill_job(done=5)
    notice = _notice(client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "The demo's months are being computed: 5 of 24." in notice
    assert '<progress max="24" value="5"' in notice
    assert 'hx-get="/settings/first-fill/"' in notice and 'hx-trigger="every 3s"' in notice  # it polls
    assert '<a href="">' in notice  # and offers a reload
    # The other pages that need the months carry it too; Chinese by default.
    for path in ("/customers/", "/worklist/"):
        assert "已完成 5 / 24 个月" in _notice(client.get(path).content.decode()), path
    # The poll advances with the job.
    BackgroundJob.objects.filter(pk=job.pk).update(done=17)
    assert '<progress max="24" value="17"' in client.get("/settings/first-fill/").content.decode()
    # Done: no notice, and from then on the pages do not look for it (their query budgets stay as they were).
    BackgroundJob.objects.filter(pk=job.pk).update(done=24, status="done")
    assert 'id="first-fill"' not in client.get("/").content.decode()
    with CaptureQueriesContext(connection) as looks:
        client.get("/worklist/")
    assert not [q for q in looks.captured_queries if "analytics_backgroundjob" in q["sql"]]


@pytest.mark.django_db
def test_after_the_months_the_notice_says_the_model_is_trained_then_stops(client, manager_user):
    client.force_login(manager_user)
    fill = _fill_job(done=24, status="done")
    churn = BackgroundJob.objects.create(kind="churn_train", status="queued", total=1, params={"as_of": "2026-11-30"})
    assert "the churn model is being trained" in _notice(client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    BackgroundJob.objects.filter(pk=churn.pk).update(status="done", done=1)
    assert 'id="first-fill"' not in client.get("/").content.decode()
    poll = client.get("/settings/first-fill/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "months and the churn model are computed" in poll and "hx-trigger" not in poll  # polling stops
    # A fill of stale months after an import is routine work, not a fresh install: no notice.
    BackgroundJob.objects.filter(pk=fill.pk).delete()
    cache.clear()  # so the page looks again
    _fill_job(done=1, total=2, first=False)
    assert 'id="first-fill"' not in client.get("/").content.decode()


def _book(months: int = 6) -> list[dt.date]:
    last = last_closed_period()
    periods = [add_months(last, -k) for k in range(months - 1, -1, -1)]
    for n in range(3):
        customer = CustomerFactory(code=f"F{n}", first_seen=periods[0])
        for period in periods[: len(periods) - n]:
            OrderFactory(customer=customer, order_date=period.replace(day=5), amount=Decimal("100.00"))
    # The default policy exists, as after any first page: saving it queues a cache drop on commit, not a job, and
    # the tests below count the jobs a start queues by its on-commit callbacks.
    policy_active()
    return periods


@pytest.fixture
def broker(monkeypatch):
    """What the embedded broker's folder holds (task names); the tests say it."""
    from analytics.services import first_fill

    pending = {"analytics.tasks.fill_run", "analytics.churn.tasks.churn_train_job"}
    monkeypatch.setattr(first_fill, "broker_pending_tasks", lambda: pending)
    return pending


@pytest.mark.django_db
def test_queue_fill_queues_the_months_then_the_model_and_a_second_start_queues_nothing(
        django_capture_on_commit_callbacks, broker):
    periods = _book()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        call_command("queue_fill", stdout=out)
    fill = BackgroundJob.objects.get(kind="period_fill")
    churn = BackgroundJob.objects.get(kind="churn_train")
    assert (fill.status, fill.done, fill.total, fill.params["first"]) == ("queued", 0, len(periods), True)
    assert fill.params["periods"] == [fmt(p) for p in periods]  # oldest first
    assert churn.params == {"as_of": churn_as_of().isoformat()} and len(queued) == 2
    assert not PeriodSummary.objects.exists()  # nothing computed in the command: the worker does it
    assert f"{len(periods)} months queued" in out.getvalue()

    # Started again before the worker got to it: the same jobs, nothing more queued.
    with django_capture_on_commit_callbacks(execute=False) as again:
        call_command("queue_fill", stdout=StringIO())
    assert len(again) == 0 and BackgroundJob.objects.count() == 2

    # The worker's turn (eager here): the fill computes every month, then the churn job trains once.
    from analytics.churn.tasks import churn_train_job
    from analytics.tasks import fill_run

    fill_run.delay(fill.id)
    churn_train_job.delay(churn.id)
    fill.refresh_from_db()
    churn.refresh_from_db()
    assert (fill.status, fill.done) == ("done", len(periods))
    assert set(PeriodSummary.objects.values_list("period", flat=True)) == set(periods)
    assert churn.status == "done" and ChurnModel.objects.filter(as_of=churn_as_of()).count() == 1
    assert CustomerPulse.objects.exists()

    # The second `make run`: everything is computed, nothing is queued or recomputed.
    computed = list(PeriodSummary.objects.order_by("period").values_list("period", "computed_at"))
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True) as third:
        call_command("queue_fill", stdout=out)
    assert len(third) == 0 and "nothing to do" in out.getvalue()
    assert BackgroundJob.objects.count() == 2 and ChurnModel.objects.count() == 1
    assert list(PeriodSummary.objects.order_by("period").values_list("period", "computed_at")) == computed


@pytest.mark.django_db
def test_the_churn_job_waits_while_the_months_are_computed_however_long(monkeypatch):
    from analytics.churn import tasks

    _book(3)
    fill = _fill_job(done=1, total=3)
    churn = BackgroundJob.objects.create(kind="churn_train", status="queued", total=1,
                                         params={"as_of": churn_as_of().isoformat()})
    later = []
    monkeypatch.setattr(tasks.churn_train_job, "apply_async", lambda args, countdown: later.append((args, countdown)))
    for _ in range(10):  # more looks than any retry limit: a long fill must not make the training give up
        assert tasks.churn_train_job.apply(args=(churn.id,), throw=True).result["waiting"]
    assert later == [((churn.id,), tasks.WAIT_FOR_FILL)] * 10
    churn.refresh_from_db()
    assert churn.status == "queued" and churn.updated_at is not None  # touched: the job sweep leaves it alone
    assert not ChurnModel.objects.exists()
    BackgroundJob.objects.filter(pk=fill.pk).update(status="done", done=3)
    tasks.churn_train_job.apply(args=(churn.id,), throw=True)
    churn.refresh_from_db()
    assert churn.status == "done" and ChurnModel.objects.count() == 1


@pytest.mark.django_db
def test_run_prepare_twice_on_a_prepared_database_changes_nothing(django_capture_on_commit_callbacks, broker):
    """`make run`'s one command: migrate (nothing to apply), seed only an empty database, queue_fill."""
    from customers.models import Customer

    _book(3)
    customers = list(Customer.objects.order_by("id").values_list("id", "code"))
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=False) as first:
        call_command("run_prepare", stdout=out)
    log = out.getvalue()
    assert "No migrations to apply" in log and "nothing to do (--if-empty)" in log
    assert "3 months queued" in log and len(first) == 2
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=False) as second:
        call_command("run_prepare", stdout=out)
    assert len(second) == 0 and "already under way" in out.getvalue()
    assert BackgroundJob.objects.count() == 2  # the first start's jobs, not new ones
    assert list(Customer.objects.order_by("id").values_list("id", "code")) == customers  # never reseeded


@pytest.mark.django_db
def test_a_start_after_a_ctrl_c_mid_fill_enqueues_the_jobs_whose_messages_are_gone(
        django_capture_on_commit_callbacks, broker, monkeypatch):
    """The embedded broker removes a message when the worker takes it: Ctrl-C during a month loses the chain."""
    from analytics import tasks
    from analytics.churn import tasks as churn_tasks

    _book(3)
    with django_capture_on_commit_callbacks(execute=False):
        call_command("queue_fill", stdout=StringIO())
    fill = BackgroundJob.objects.get(kind="period_fill")
    churn = BackgroundJob.objects.get(kind="churn_train")
    sent = []
    monkeypatch.setattr(tasks.fill_run, "delay", lambda job_id: sent.append(("fill", job_id)))
    monkeypatch.setattr(churn_tasks.churn_train_job, "delay", lambda job_id: sent.append(("churn", job_id)))
    broker.clear()
    broker.add("analytics.tasks.compute_period")  # the fill's next month is waiting: only the churn job was lost
    out = StringIO()
    call_command("queue_fill", stdout=out)
    assert sent == [("churn", churn.id)] and f"job(s) {churn.id} enqueued again" in out.getvalue()
    broker.clear()  # nothing waits: both are enqueued again, and nothing new is created
    sent.clear()
    call_command("queue_fill", stdout=StringIO())
    assert sent == [("fill", fill.id), ("churn", churn.id)] and BackgroundJob.objects.count() == 2


def test_the_broker_folder_is_read_for_the_waiting_task_names(tmp_path, settings):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                                                "data_folder_in": str(tmp_path)}
    from analytics.services.first_fill import broker_pending_tasks

    assert broker_pending_tasks() == set()
    (tmp_path / "1_a.celery.msg").write_text('{"body": "", "headers": {"task": "analytics.tasks.compute_period"}}')
    (tmp_path / "2_b.celery.msg").write_text("not json")
    assert broker_pending_tasks() == {"analytics.tasks.compute_period"}
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/10"
    assert broker_pending_tasks() is None  # Redis redelivers what a worker took and never acknowledged
