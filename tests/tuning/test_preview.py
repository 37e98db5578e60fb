"""The preview's numbers are those a real recompute under the draft stores: counts, sales per grade and movers."""

import datetime as dt
import re

import pytest

from analytics.engine.grading import GRADE_ORDER, GRADES
from analytics.engine.policy import parse_policy
from analytics.models import CustomerSnapshot, PeriodSummary
from analytics.services.policies import policy_active, policy_of, policy_set
from analytics.services.snapshots import snapshot_compute
from analytics.tuning import preview as preview_module
from analytics.tuning.preview import policy_preview, preview_period
from cockpit.templatetags.cockpit_tags import yuan
from customers.services_admin import customer_override_set

from .conftest import P, order

DRAFTS = [
    {"method": "rank_percentile", "rank_percentile": {"a": "0.1", "b": "0.3", "c": "0.6"}},
    {"method": "fixed_amount", "fixed_amount": {"a": 15000, "b": 8000, "c": 2000}},
    {"method": "cumulative_share", "window_months": 2, "cumulative_share": {"a": "0.5", "b": "0.9"}},
    {"method": "weighted_score", "lifecycle": {"rhythm": True},
     "weighted_score": {"weights": {"sales": "0.3", "profit": "0.3", "frequency": "0.1", "loyalty": "0.1",
                                    "punctuality": "0.2"}, "a": "0.3", "b": "0.5"}},
]


def stored_grades():
    return dict(CustomerSnapshot.objects.filter(period=P).values_list("code", "grade"))


def as_summary(preview, side):
    return {g.grade: {"customers": getattr(g, f"{side}_customers"), "sales_fen": int(getattr(g, f"{side}_sales") * 100)}
            for g in preview.grades}


@pytest.mark.django_db
@pytest.mark.parametrize("draft", DRAFTS)
def test_preview_equals_a_real_recompute_under_the_draft(graded, admin_user, draft, monkeypatch):
    policy_set(data={})
    snapshot_compute(period=P)
    customer_override_set(customer=graded["c3"], grade="D", reason="大客户潜力", until=dt.date(2099, 1, 1),
                          by=admin_user)
    snapshot_compute(period=P)  # the override is part of both sides
    before, before_summary = stored_grades(), PeriodSummary.objects.get(period=P).data["grades"]

    preview = policy_preview(draft=parse_policy(draft), active=policy_of(policy_active()), user=admin_user)

    policy_set(data=draft)
    snapshot_compute(period=P)
    after, after_summary = stored_grades(), PeriodSummary.objects.get(period=P).data["grades"]
    assert preview.period == P
    assert as_summary(preview, "active") == before_summary
    assert as_summary(preview, "draft") == after_summary
    moves = {code: GRADE_ORDER[after[code]] - GRADE_ORDER[before[code]] for code in after}
    assert preview.up == sum(1 for m in moves.values() if m > 0)
    assert preview.down == sum(1 for m in moves.values() if m < 0)
    assert preview.up + preview.down > 0
    assert preview.overrides == 1 and before["00201"] == after["00201"] == "D"
    for mover in preview.sample:
        assert (mover.active_grade, mover.draft_grade) == (before[mover.code], after[mover.code])
        assert mover.direction == ("up" if moves[mover.code] > 0 else "down")
    assert len(preview.sample) == min(20, preview.up + preview.down)
    assert preview.customers == sum(after_summary[g]["customers"] for g in GRADES)


@pytest.mark.django_db
def test_preview_page_shows_the_same_numbers(graded, admin_client, admin_user):
    policy_set(data={})
    snapshot_compute(period=P)
    draft = DRAFTS[0]
    expected = policy_preview(draft=parse_policy(draft), active=policy_of(policy_active()), user=admin_user)
    data = {"method": "rank_percentile", "rank_percentile.a": "0.1", "rank_percentile.b": "0.3",
            "rank_percentile.c": "0.6"}
    form = {**form_defaults(admin_client), **data}
    response = admin_client.post("/settings/grading/preview/", form, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert response.status_code == 200
    for g in expected.grades:
        row = re.search(rf'<tr data-grade="{g.grade}">(.*?)</tr>', text, re.S).group(1)
        cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)
        assert cells[:2] == [str(g.active_customers), str(g.draft_customers)]
        assert cells[3:] == [yuan(g.active_sales), yuan(g.draft_sales)]  # the site's one money format
        assert cells[3].startswith("¥")
    assert re.search(r'id="preview-up">(\d+)', text).group(1) == str(expected.up)  # any language
    assert re.search(r'id="preview-down">(\d+)', text).group(1) == str(expected.down)
    assert len(re.findall(r"<tr><td>", text)) == len(expected.sample)


def form_defaults(client):
    page = client.get("/settings/grading/").content.decode()
    values = dict(re.findall(r'name="([a-z_.A-D]+)" value="([^"]*)"', page))
    values.pop("months", None)
    values["method"] = re.search(r'<option value="([a-z_]+)" selected>', page).group(1)
    return values


@pytest.mark.django_db
def test_no_preview_without_a_computed_closed_period(db, admin_user):
    assert preview_period() is None
    assert policy_preview(draft=parse_policy({}), active=parse_policy({}), user=admin_user) is None


@pytest.mark.django_db
def test_inputs_are_cached_by_period_window_and_surge_not_by_cuts(graded, admin_user, monkeypatch):
    policy_set(data={})
    snapshot_compute(period=P)
    calls = []
    real = preview_module.snapshot_inputs

    def counting(policy, period):
        calls.append((policy.window_months, policy.surge.window_days))
        return real(policy, period)

    monkeypatch.setattr(preview_module, "snapshot_inputs", counting)
    active = policy_of(policy_active())

    def run(draft):
        return policy_preview(draft=parse_policy(draft), active=active, user=admin_user)

    first = run({"cumulative_share": {"a": "0.3", "b": "0.7"}})
    assert len(calls) == 1  # draft and active share the inputs
    run({"method": "rank_percentile"})
    run({"method": "fixed_amount", "fixed_amount": {"a": 9000, "b": 5000, "c": 100}, "labels": {"A": "金牌"}})
    assert len(calls) == 1
    run({"surge": {"window_days": 14}})
    run({"window_months": 3})  # still within the 12 months always fetched (RFM, year-over-year)
    assert len(calls) == 2
    run({"window_months": 18})
    assert len(calls) == 3
    order(graded["c1"], dt.date(2025, 3, 30), "99999.00")  # new data: the cache is not reused
    again = run({"cumulative_share": {"a": "0.3", "b": "0.7"}})
    assert len(calls) == 4
    assert again.grades != first.grades


@pytest.mark.django_db
def test_preview_says_default_grade_labels_in_the_users_language(graded, admin_user):
    from django.utils import translation

    policy_set(data={})
    snapshot_compute(period=P)
    draft = parse_policy({**DRAFTS[0], "labels": {"B": "金牌"}})
    with translation.override("en"):
        preview = policy_preview(draft=draft, active=policy_of(policy_active()), user=admin_user)
        labels = {g.grade: g.label for g in preview.grades}
    assert labels["A"] == "Core customer"  # the untouched default, translated
    assert labels["B"] == "金牌"  # the admin's own word, as typed
    with translation.override("zh-hans"):
        preview = policy_preview(draft=draft, active=policy_of(policy_active()), user=admin_user)
    assert {g.grade: g.label for g in preview.grades}["A"] == "核心客户"
