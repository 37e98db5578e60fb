"""No N+1: every page runs a fixed number of queries whatever the number of rows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.services.snapshots import snapshot_compute
from tests.cockpit.conftest import P1, P
from tests.factories import CustomerFactory, OrderFactory, VisitFactory

PAGES = {
    "/": 17,
    "/customers/": 14,  # 13, and the user's chosen columns (cockpit.models.ListPreference)
    "/customers/?grade=B&sort=-overdue&q=0": 14,
    "/customers/export.csv": 10,
    "/customers/00101/": 13,  # the latest snapshot is its own query: one partition, not 24 whole rows
}


def count_queries(client, url):
    client.get(url)  # warm caches (session, content types) so both runs count the same things
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def grow(graded, n):
    """n more customers with orders in both months and a visit each, then recompute."""
    for i in range(n):
        owner = graded["sp1"] if i % 2 else graded["sp2"]
        c = CustomerFactory(owner=owner, region=graded["c1"].region, first_seen=dt.date(2024, 1, 1))
        OrderFactory(customer=c, order_date=dt.date(2025, 2, 3), amount=Decimal(1000 * (i + 1)))
        OrderFactory(customer=c, order_date=dt.date(2025, 3, 3), amount=Decimal(900 * (i + 1)))
        VisitFactory(customer=c)
        VisitFactory(customer=graded["c1"], date=dt.date(2025, 1, 1) + dt.timedelta(days=i))
    snapshot_compute(period=P1)
    snapshot_compute(period=P)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["manager", "salesperson", "regional"])
def test_query_count_is_fixed_whatever_the_rows(client, graded, manager_user, south_manager, who):
    user = {"manager": manager_user, "salesperson": graded["sp1"].user, "regional": south_manager}[who]
    client.force_login(user)
    small = {url: count_queries(client, url) for url in PAGES}
    grow(graded, 60)
    large = {url: count_queries(client, url) for url in PAGES}
    assert large == small
    for url, bound in PAGES.items():
        assert large[url] <= bound, (url, large[url])


@pytest.mark.django_db
def test_query_bound_with_pytest_django_helper(client, graded, manager_user, django_assert_max_num_queries):
    grow(graded, 30)
    client.force_login(manager_user)
    client.get("/")
    for url, bound in PAGES.items():
        with django_assert_max_num_queries(bound):
            client.get(url)


@pytest.mark.django_db
def test_pages_need_a_login(client, graded):
    for url in ("/", "/customers/", "/customers/00101/", "/customers/export.csv"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_pages_render_in_english_and_chinese(client, graded, manager_user):
    client.force_login(manager_user)
    zh = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<html lang="zh-hans">' in zh and "仪表盘" in zh and "¥215,000.00" in zh
    client.cookies["django_language"] = "en"
    en = client.get("/").content.decode()
    assert '<html lang="en">' in en and "Dashboard" in en and "About to churn" in en
