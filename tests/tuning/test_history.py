"""Saving records who, when and what changed; history shows each diff; restore makes a new equal version;
recompute runs as a background job whose progress a page polls."""

import re

import pytest

from analytics.models import BackgroundJob, GradingPolicy, SnapshotRun
from analytics.periods import fmt
from analytics.services.policies import policy_active, policy_set
from analytics.tuning.diff import policy_diff
from analytics.tuning.services import (
    policy_history,
    policy_restore,
    policy_save,
    recompute_periods,
    recompute_remaining,
)
from customers.models import AuditLog

from .test_grading_validation import post_data


@pytest.mark.django_db
def test_policy_diff_is_flat_key_to_old_and_new():
    old = {"method": "cumulative_share", "fixed_amount": {"a": "100000"}, "labels": {"A": "核心客户"}}
    new = {"method": "fixed_amount", "window_months": 3, "fixed_amount": {"a": "80000"}, "labels": {"A": "核心客户"}}
    assert policy_diff(old, new) == {
        "fixed_amount.a": ["100000", "80000"], "method": ["cumulative_share", "fixed_amount"],
        "window_months": [None, 3],
    }
    assert policy_diff(new, new) == {}


@pytest.mark.django_db
def test_save_from_the_page_records_who_when_and_the_diff(admin_client, admin_user):
    v1 = policy_active()
    response = admin_client.post("/settings/grading/", post_data(
        {"method": "fixed_amount", "fixed_amount.a": "80000", "labels.A": "金牌客户", "comment": "降低A门槛"}))
    assert response.status_code == 302
    v2 = GradingPolicy.objects.get(is_active=True)
    assert (v2.version, v2.created_by, v2.comment) == (v1.version + 1, admin_user, "降低A门槛")
    log = AuditLog.objects.get(action="policy_set", target=f"policy:v{v2.version}")
    assert log.user == admin_user
    assert log.details["previous_version"] == v1.version
    assert log.details["diff"] == {
        "fixed_amount.a": ["100000", "80000"], "labels.A": ["核心客户", "金牌客户"],
        "method": ["cumulative_share", "fixed_amount"],
    }


@pytest.mark.django_db
def test_history_shows_each_diff_and_restore_makes_a_new_equal_version(admin_client, admin_user):
    v1 = policy_active()
    v2 = policy_save(data={"method": "rank_percentile"}, user=admin_user, comment="rank")
    v3 = policy_save(data={"method": "rank_percentile", "rank_percentile": {"a": "0.01", "b": "0.05", "c": "0.2"}},
                     user=admin_user)
    policy_set(data={"method": "weighted_score"})  # a version from set_policy: no stored diff, computed instead
    entries = {e.row.version: e for e in policy_history()}
    assert entries[v2.version].diff == {"method": ["cumulative_share", "rank_percentile"]}
    assert entries[v3.version].diff == {"rank_percentile.a": ["0.05", "0.01"], "rank_percentile.b": ["0.25", "0.05"],
                                        "rank_percentile.c": ["0.75", "0.2"]}
    assert entries[v3.version + 1].diff == {  # set_policy: omitted sections fall back to the defaults
        "method": ["rank_percentile", "weighted_score"], "rank_percentile.a": ["0.01", "0.05"],
        "rank_percentile.b": ["0.05", "0.25"], "rank_percentile.c": ["0.2", "0.75"]}
    assert entries[v1.version].diff == policy_diff(None, v1.data)

    page = admin_client.get("/settings/grading/history/").content.decode()
    # each change named as the editor names the field, in the user's language; the method by its label
    assert ('<li data-key="rank_percentile.a"><span class="key">排名百分位分界 · A：前多少比例的购买客户</span> '
            "0.05 → 0.01</li>") in page
    assert '<span class="key">分级方法</span> 销售额累计占比（帕累托） → 排名百分位</li>' in page
    assert "<code>" not in page and "rank_percentile</td>" not in page
    assert "<td>默认策略</td>" in page and "<td>defaults</td>" not in page  # the first version's system comment
    restorable = re.findall(r'action="/settings/grading/history/(\d+)/restore/"', page)
    assert sorted(map(int, restorable)) == [v1.version, v2.version, v3.version]  # not the active one

    response = admin_client.post(f"/settings/grading/history/{v2.version}/restore/")
    assert response.status_code == 302
    restored = GradingPolicy.objects.get(is_active=True)
    assert restored.version == v3.version + 2
    assert restored.data == v2.data
    assert restored.comment == f"恢复第 {v2.version} 版"
    assert policy_history()[0].diff == {"method": ["weighted_score", "rank_percentile"]}
    assert GradingPolicy.objects.count() == 5  # nothing rewritten
    assert admin_client.post("/settings/grading/history/999/restore/").status_code == 404


@pytest.mark.django_db
def test_restore_service_refuses_an_unknown_version(admin_user):
    from analytics.tuning.services import TuningError

    with pytest.raises(TuningError, match="no policy version 42"):
        policy_restore(version=42, user=admin_user)


@pytest.mark.django_db
def test_recompute_last_months_runs_as_a_job_with_progress(admin_client, admin_user,
                                                            django_capture_on_commit_callbacks):
    v = policy_save(data={"method": "fixed_amount"}, user=admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/settings/grading/recompute/", {"months": "3"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    job = BackgroundJob.objects.get()
    assert (job.kind, job.status, job.done, job.total) == ("policy_recompute", "done", 3, 3)
    periods = [fmt(p) for p in recompute_periods(3)]
    assert job.params == {"periods": periods, "policy_version": v.version}
    runs = SnapshotRun.objects.filter(status="done").order_by("period")
    assert [fmt(r.period) for r in runs] == periods
    assert {r.policy.version for r in runs} == {v.version}
    # The progress partial: polls while the job runs, stops once it is done.
    partial = admin_client.get(f"/settings/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert '<progress max="3" value="3"' in partial and "every 1s" not in partial
    assert f"完成\n  · 已用第 {v.version} 版分级策略重新计算 3 个月" in partial  # in words, not "3 periods recomputed"
    BackgroundJob.objects.filter(pk=job.pk).update(status="running", done=1)
    partial = admin_client.get(f"/settings/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in partial and re.search(r'value="1"', partial)
    assert f"{periods[0]} 至 {periods[-1]}，使用第 {v.version} 版分级策略" in partial
    admin_client.cookies["django_language"] = "en"
    partial = admin_client.get(f"/settings/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert f"{periods[0]} to {periods[-1]} with policy version {v.version}" in partial
    BackgroundJob.objects.filter(pk=job.pk).update(status="failed", message="OperationalError: lock timeout")
    partial = admin_client.get(f"/settings/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "Failed" in partial and '<span class="error">Stopped: OperationalError: lock timeout</span>' in partial
    assert admin_client.get(f"/settings/jobs/{job.pk}/").status_code == 200


@pytest.mark.django_db
def test_a_redelivered_job_queues_only_the_periods_it_has_not_recomputed(admin_user,
                                                                         django_capture_on_commit_callbacks):
    from analytics.periods import parse_period
    from analytics.services.snapshots import snapshot_compute
    from analytics.tuning.services import recompute_start
    from analytics.tuning.tasks import recompute_months

    with django_capture_on_commit_callbacks(execute=False):
        job = recompute_start(months=4, user=admin_user)
    periods, version = job.params["periods"], job.params["policy_version"]
    for period in periods[:2]:  # recomputed before its worker died
        snapshot_compute(period=parse_period(period), policy_version=version, reason="before the crash")
    found, remaining = recompute_remaining(job_id=job.pk)
    assert remaining == periods[2:]
    assert (found.status, found.done, found.total) == ("running", 2, 4)
    recompute_months.delay(job.pk)  # eager here: the group's two tasks run inline
    job.refresh_from_db()
    assert (job.status, job.done) == ("done", 4)
    assert SnapshotRun.objects.count() == 4  # only the two periods not done before were computed again
    assert recompute_remaining(job_id=job.pk)[1] == []  # done: a second delivery queues nothing
    assert SnapshotRun.objects.count() == 4


@pytest.mark.django_db
def test_recompute_refuses_bad_month_counts(admin_client):
    response = admin_client.post("/settings/grading/recompute/", {"months": "0"}, follow=True)
    assert "要重新计算的月数必须是 1 到 60 之间的整数。" in response.content.decode()
    assert not BackgroundJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_label_saved_in_the_editor_shows_on_the_next_page_although_pages_cache_the_policy(admin_client):
    from tests.factories import CustomerSnapshotFactory

    row = CustomerSnapshotFactory(grade="A")
    profile = f"/customers/{row.customer.code}/"
    assert "核心客户" in admin_client.get(profile).content.decode()  # the default label, now in the cache
    saved = admin_client.post("/settings/grading/", post_data({"labels.A": "金牌客户", "comment": "改名"}))
    assert saved.status_code == 302
    page = admin_client.get(profile).content.decode()
    assert "金牌客户" in page and "核心客户" not in page
