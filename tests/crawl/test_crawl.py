"""A user's day never breaks: every demo role crawls every page reachable from its start pages (issue 16, proof).

Three states a real install goes through: the fresh demo; after an admin saved a new grading policy and
recomputed the history (the settings page's own services); after an import that marked closed periods stale.
No response may be a 5xx and no page may show a Python exception; each role covers at least 300 distinct pages.
The fresh state runs on every database; the other two need PostgreSQL (CI), where a real install runs.
"""

import datetime as dt
import os

import pytest
from django.contrib.auth import get_user_model
from django.test import TestCase

from analytics.models import StalePeriod
from analytics.periods import add_months, fmt
from analytics.selectors import latest_period
from analytics.services.policies import policy_active
from analytics.tuning.services import policy_save, recompute_start
from customers.models import Customer
from sales.imports.service import import_file
from tests.crawl.conftest import ROLES, login
from tests.crawl.crawler import Crawler, CrawlReport

# One xdist worker crawls all three states: they share the module's demo book, seeded once.
pytestmark = pytest.mark.xdist_group("crawl")
MIN_PAGES = 300
MAX_PAGES = int(os.environ.get("CRAWL_MAX_PAGES", "310"))  # the issue asks for 300; the frontier holds far more


def start_pages() -> tuple[list[str], list[str]]:
    """The pages a user starts from (the latest period), and the same for a period six months back."""
    latest = latest_period()
    assert latest is not None, "the demo has no snapshot"
    past = fmt(add_months(latest, -6))
    starts = ["/", "/customers/", "/worklist/", "/coupons/", "/settings/"]
    return starts, [f"/?period={past}", f"/customers/?period={past}"]


def crawl_all_roles(state: str) -> list[CrawlReport]:
    reports = []
    starts, past = start_pages()
    for role in ROLES:
        report = Crawler(login(role), role=role, state=state, max_pages=MAX_PAGES).run(starts, sampled_starts=past)
        print(report.line())
        print(f"  slowest: {report.slowest()}")
        reports.append(report)
    return reports


def check(reports: list[CrawlReport]) -> None:
    problems = [str(p) for r in reports for p in r.problems]
    for r in reports:
        for line in r.not_found[:10]:
            print(f"  404 [{r.state}/{r.role}] {line}")
    assert problems == [], "server errors or leaked exceptions:\n" + "\n".join(problems)
    short = {r.role: r.pages for r in reports if r.pages < MIN_PAGES}
    assert short == {}, f"fewer than {MIN_PAGES} distinct pages reachable: {short}"


@pytest.mark.django_db
def test_crawl_fresh_demo(demo_book):
    check(crawl_all_roles("fresh"))


@pytest.mark.postgres
@pytest.mark.django_db
def test_crawl_after_policy_change_and_recompute(demo_book):
    admin = get_user_model().objects.get(username="admin")
    data = dict(policy_active().data)
    data["method"] = "rank_percentile"
    before = policy_active().version
    with TestCase.captureOnCommitCallbacks(execute=True):
        policy_save(data=data, user=admin, comment="crawl: rank by percentile")
        job = recompute_start(months=24, user=admin)
    job.refresh_from_db()
    assert policy_active().version == before + 1 and job.status == "done", (job.status, job.message)
    check(crawl_all_roles("policy+recompute"))


@pytest.mark.postgres
@pytest.mark.django_db
def test_crawl_after_import_marked_periods_stale(demo_book, tmp_path):
    latest = latest_period()
    customers = list(Customer.objects.order_by("code").values_list("code", flat=True)[:3])
    days = [add_months(latest, -k) + dt.timedelta(days=9) for k in (1, 4, 7)]
    rows = ["order_no,order_date,customer_code,amount"]
    rows += [f"CRAWL-{i},{day:%Y-%m-%d},{code},{1000 + 250 * i}.00"
             for i, (day, code) in enumerate(zip(days, customers, strict=True))]
    csv = tmp_path / "late-orders.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    # After-commit callbacks (the recompute task) never run inside the test's transaction: the periods stay stale.
    report = import_file(kind="sales", path=csv, name="late-orders.csv")
    assert report.failure in (None, "") and report.created == 3, report
    assert StalePeriod.objects.count() == 3
    check(crawl_all_roles("import (stale)"))
