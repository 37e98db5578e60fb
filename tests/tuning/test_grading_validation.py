"""The editor shows, next to each field, exactly the messages `set_policy` prints (PolicyError.errors)."""

import html
import io
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import QueryDict

from analytics.engine.policy import PolicyError, parse_policy, policy_to_dict
from analytics.models import GradingPolicy
from analytics.services.policies import policy_active
from analytics.tuning.diff import flatten
from analytics.tuning.forms import KEYS, PolicyForm

BAD = {
    "fixed_amount.a": "abc",
    "cumulative_share.a": "0.9",
    "cumulative_share.b": "0.5",
    "weighted_score.weights.sales": "0.5",
    "lifecycle.active_days": "90",
    "lifecycle.churn_days": "60",
    "surge.window_days": "0",
    "labels.A": "",
    "window_months": "30",
}


def post_data(overrides):
    flat = flatten(policy_to_dict(parse_policy({})))
    data = {k: flat.get(k, "") for k in KEYS if not isinstance(flat.get(k), bool)}
    data["window_months"] = ""
    data.update(overrides)
    return data


def querydict(data):
    q = QueryDict(mutable=True)
    for key, value in data.items():
        q[key] = str(value)
    return q


def set_policy_messages(tmp_path, policy):
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy, ensure_ascii=False), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("set_policy", str(path), stderr=err)
    return [line.split(": ", 1)[1] for line in err.getvalue().splitlines()]


def error_slots(content):
    """id -> messages of every `<ul class="errors" id=...>` on the page."""
    text = content.decode()
    slots = {}
    for ident, body in re.findall(r'<ul class="errors" id="([^"]+)"[^>]*>(.*?)</ul>', text, re.S):
        slots.setdefault(ident, []).extend(html.unescape(m) for m in re.findall(r"<li>(.*?)</li>", body, re.S))
    return slots


@pytest.mark.django_db
def test_form_messages_equal_set_policy_messages(tmp_path):
    form = PolicyForm.from_post(querydict(post_data(BAD)))
    assert not form.is_valid()
    with pytest.raises(PolicyError) as direct:
        parse_policy(form.data())
    assert form.errors == direct.value.errors
    assert set_policy_messages(tmp_path, form.data()) == direct.value.errors
    assert "fixed_amount.a: must be a number" in form.errors
    assert "cumulative_share: a, b must be increasing" in form.errors
    assert "weighted_score.weights: must sum to 1 (got 1.1)" in form.errors
    assert "lifecycle.churn_days: must be greater than lifecycle.active_days" in form.errors
    assert "labels.A: must be a non-empty text" in form.errors
    assert "window_months: must be a whole number between 1 and 24" in form.errors


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/settings/grading/", "/settings/grading/preview/"])
def test_messages_are_shown_inline_next_to_their_field(admin_client, url):
    data = post_data(BAD)
    response = admin_client.post(url, data, HTTP_HX_REQUEST="true" if "preview" in url else None)
    with pytest.raises(PolicyError) as direct:
        parse_policy(PolicyForm.from_post(querydict(data)).data())
    slots = error_slots(response.content)
    # In the user's language (zh-hans by default), each field named by its label on the page, not its JSON key
    assert slots["err-f-fixed_amount-a"] == ["A 级起点：必须是数字"]
    assert slots["err-f-lifecycle-churn_days"] == ["超过多少天算流失：必须大于“活跃上限（距上次下单天数）”"]
    assert slots["err-f-labels-A"] == ["A 级名称：不能为空"]
    assert slots["err-f-surge-window_days"] == ["窗口（天）：必须是不小于 1 的整数"]
    assert slots["err-f-window_months"] == ["窗口（月；留空时加权评分为 12，其余为 1）：必须是 1 到 24 之间的整数"]
    assert slots["err-section-cumulative_share"] == ["累计占比分界：必须按等级依次递增（A < B）"]
    assert slots["err-section-weighted_score"] == ["权重：合计必须为 1（当前合计为 1.1）"]
    shown = [m for ident, msgs in slots.items() if ident.startswith("err-") for m in msgs]
    assert len(shown) == len(direct.value.errors)
    assert not [m for m in shown if re.search(r"[a-z]+[._][a-z]+|must", m)]  # no key path, no English


@pytest.mark.django_db
def test_messages_in_english_name_the_fields_too(admin_client):
    admin_client.cookies["django_language"] = "en"
    response = admin_client.post("/settings/grading/", post_data(BAD))
    slots = error_slots(response.content)
    assert slots["err-f-fixed_amount-a"] == ["A from: must be a number"]
    assert slots["err-f-lifecycle-churn_days"] == [
        "Churned after (days): must be greater than “Active up to (days since last order)”"]
    assert slots["err-section-weighted_score"] == ["Weights: must add up to 1 (they add up to 1.1)"]
    assert '<label for="f-method">Grading method</label>' in response.content.decode()


@pytest.mark.django_db
def test_unknown_key_and_method_are_said_in_words():
    from django.utils import translation

    from analytics.tuning.forms import problem_text

    with pytest.raises(PolicyError) as exc:
        parse_policy({"method": "median", "surge": {"upp": 1}})
    with translation.override("zh-hans"):
        texts = [problem_text(p) for p in exc.value.problems]
    assert texts == [
        "分级方法：必须是以下之一：固定金额（窗口期销售额） / 销售额累计占比（帕累托） / 排名百分位 / 加权评分",
        "surge.upp：不是分级策略中的设置项",
    ]
    assert exc.value.errors == ["method: must be one of fixed_amount, cumulative_share, rank_percentile, "
                                "weighted_score", "unknown key: surge.upp"]


@pytest.mark.django_db
def test_a_failed_save_keeps_what_changed_and_why(admin_client):
    response = admin_client.post("/settings/grading/", {**post_data(BAD), "comment": "旺季前 \"提高\" A 门槛"})
    assert response.status_code == 400
    assert 'name="comment" maxlength="255" value="旺季前 &quot;提高&quot; A 门槛"' in response.content.decode()


@pytest.mark.django_db
def test_invalid_save_changes_nothing(admin_client):
    active = policy_active()
    response = admin_client.post("/settings/grading/", post_data(BAD))
    assert response.status_code == 400
    assert list(GradingPolicy.objects.values_list("version", flat=True)) == [active.version]


@pytest.mark.django_db
def test_the_editor_round_trips_the_active_policy(admin_client):
    policy_active()
    page = admin_client.get("/settings/grading/")
    assert page.status_code == 200
    values = dict(re.findall(r'name="([a-z_.A-D]+)" value="([^"]*)"', page.content.decode()))
    assert values["fixed_amount.a"] == "100000"
    assert values["labels.A"] == "核心客户"
    saved = admin_client.post("/settings/grading/", post_data({}))
    assert saved.status_code == 302
    assert GradingPolicy.objects.get(is_active=True).data == policy_active().data == policy_to_dict(parse_policy({}))
