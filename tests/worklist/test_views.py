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


def item_html(html, code):
    """The card of one follow-up on the page."""
    return re.search(rf'<li class="work-item[^"]*" data-code="{code}">(.*?)</li>', html, re.S).group(1)


def test_salesperson_sees_their_list_with_only_the_steps_each_row_asks_for(client, listed):  # noqa: F811
    book, extra = listed
    type(extra[7]).objects.filter(pk=extra[7].pk).update(mobile="+8613800138007")
    type(extra[7]).objects.filter(pk=book["c1"].pk).update(mobile="")
    response = get(client, book["sp1"].user)
    assert response.status_code == 200
    html = response.content.decode()
    visit = item_html(html, "00102")  # visit in person: log the visit, no call, no coupon
    assert 'href="/customers/00102/#visits"' in visit and "Log the visit" in visit
    assert "/coupons/send/" not in visit and "tel:" not in visit
    both = item_html(html, "00107")  # call and coupon: the number to call, log the call, the coupon
    assert 'href="tel:+8613800138007"' in both and "Log the call" in both
    assert 'href="/coupons/send/?codes=00107"' in both
    assert "tel:" not in item_html(html, "00101")  # no mobile on file: no call button, still the log link
    offer = item_html(html, "00108")  # first-order offer: the coupon only
    assert "/coupons/send/?codes=00108" in offer and "#visits" not in offer
    assert "00201" not in html  # another salesperson's customer
    assert "Completion by salesperson" not in html
    assert "80%" in item_html(html, "00104")  # the churn risk shown as a percentage
    assert "≈28%" in visit  # the stand-in, marked as an estimate
    assert "¥33,600" in visit and "¥120,000" in visit  # expected value and the 12-month sales at stake
    assert "Where the churn model gives no risk" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # strict CSP: no inline script


def test_the_day_holds_the_capacity_and_folds_the_rest_under_later(client, listed, settings):  # noqa: F811
    book, _ = listed
    settings.WORKLIST_DAILY_CAPACITY = 3
    html = get(client, book["sp1"].user).content.decode()
    today, later = html.split('<details class="later">')
    assert re.findall(r'data-code="(\d+)"', today) == ["00102", "00104", "00107"]
    assert re.findall(r'data-code="(\d+)"', later) == ["00101", "00103", "00106", "00109", "00108"]
    assert "(3 of 8)" in today and "Later: 5 more follow-ups" in later
    settings.WORKLIST_DAILY_CAPACITY = 20
    assert '<details class="later">' not in get(client, book["sp1"].user).content.decode()


def test_manager_sees_completion_and_can_open_a_list(client, listed, admin_user):  # noqa: F811
    book, _ = listed
    html = get(client, admin_user).content.decode()
    assert "Completion by salesperson" in html and "张三" in html and "李四" in html
    assert "Today&#x27;s follow-ups" not in html and "Today's follow-ups" not in html
    # Every header stands over its own column: a number column's header is aligned as its numbers are.
    table = re.search(r'<table class="data compact completion">.*?</table>', html, re.S).group(0)
    heads = re.findall(r"<th scope=\"col\"([^>]*)>", table)
    first_row = re.search(r"<tr>\s*(.*?)</tr>", table.split("<tbody>")[1], re.S).group(1)
    cells = re.findall(r"<td([^>]*)>", first_row)
    assert len(heads) == len(cells) and ['"num"' in h for h in heads] == ['"num"' in c for c in cells]
    html = get(client, admin_user, salesperson=book["sp2"].id).content.decode()
    assert 'data-code="00201"' in html and "00101" not in html


def test_a_manager_cannot_open_a_list_outside_their_regions(client, listed, south_manager):  # noqa: F811
    book, _ = listed
    html = get(client, south_manager, salesperson=book["sp2"].id).content.decode()
    # 李四 owns 00202 in 广州 (visible) and 00201 in 北京 (not).
    assert 'data-code="00202"' in html and 'data-code="00201"' not in html


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("worklist:index"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_speaks_chinese_by_default(client, listed):  # noqa: F811
    book, _ = listed
    client.force_login(book["sp1"].user)
    html = client.get(reverse("worklist:index"), headers={"accept-language": "zh-hans"}).content.decode()
    assert "本周上门拜访" in html and "流失风险 80%" in html
