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
    assert slots["err-f-fixed_amount-a"] == ["fixed_amount.a: must be a number"]
    assert slots["err-f-lifecycle-churn_days"] == ["lifecycle.churn_days: must be greater than lifecycle.active_days"]
    assert slots["err-f-labels-A"] == ["labels.A: must be a non-empty text"]
    assert slots["err-f-surge-window_days"] == ["surge.window_days: must be a whole number >= 1"]
    assert slots["err-section-cumulative_share"] == ["cumulative_share: a, b must be increasing"]
    assert slots["err-section-weighted_score"] == ["weighted_score.weights: must sum to 1 (got 1.1)"]
    shown = sorted(m for ident, msgs in slots.items() if ident.startswith("err-") for m in msgs)
    assert shown == sorted(direct.value.errors)


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
