"""/worklist/ renders each role's view: a salesperson's list with its two actions, managers' completion."""

import re

import pytest
from django.urls import reverse

from tests.worklist.test_worklist import TODAY, listed  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("analytics.worklist.views.timezone.localdate", lambda: TODAY)


def get(client, user, **params):
    client.force_login(user)
    return client.get(reverse("worklist:index"), params, headers={"accept-language": "en"})


def test_salesperson_sees_their_list_with_links(client, listed):  # noqa: F811
    book, _ = listed
    response = get(client, book["sp1"].user)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/customers/00102/#visits"' in html and 'href="/coupons/send/?codes=00102"' in html
    assert "00201" not in html  # another salesperson's customer
    assert "Completion by salesperson" not in html
    assert "80%" in html  # the churn risk shown as a percentage
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # strict CSP: no inline script


def test_manager_sees_completion_and_can_open_a_list(client, listed, admin_user):  # noqa: F811
    book, _ = listed
    html = get(client, admin_user).content.decode()
    assert "Completion by salesperson" in html and "张三" in html and "李四" in html
    assert "Today&#x27;s follow-ups" not in html and "Today's follow-ups" not in html
    html = get(client, admin_user, salesperson=book["sp2"].id).content.decode()
    assert 'href="/customers/00201/#visits"' in html and "00101" not in html


def test_a_manager_cannot_open_a_list_outside_their_regions(client, listed, south_manager):  # noqa: F811
    book, _ = listed
    html = get(client, south_manager, salesperson=book["sp2"].id).content.decode()
    # 李四 owns 00202 in 广州 (visible) and 00201 in 北京 (not).
    assert "00202" in html and 'href="/customers/00201/#visits"' not in html


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("worklist:index"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_speaks_chinese_by_default(client, listed):  # noqa: F811
    book, _ = listed
    client.force_login(book["sp1"].user)
    html = client.get(reverse("worklist:index"), headers={"accept-language": "zh-hans"}).content.decode()
    assert "本周上门拜访" in html and "流失风险 80%" in html
