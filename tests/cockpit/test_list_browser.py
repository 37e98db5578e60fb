"""The customer list in headless Chromium at 1440 px and on a 390 px phone: the page never scrolls sideways, the
customer column stays in view, churn reasons stay on one line, the column chooser is remembered per user.

Screenshots land in artifacts/screenshots/ (list-*.png). Same browser fixtures as test_browser.py.
"""

import re

import pytest

from analytics.models import CustomerSnapshot
from tests.cockpit.conftest import P
from tests.cockpit.test_browser import browser, login, open_page, shot  # noqa: F401 - fixtures
from tests.integration.test_pages_joined import explain_calls  # noqa: F401 - fixture

pytestmark = pytest.mark.browser

NO_PAGE_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def scored(graded):
    """Churn scores and their stored reasons on three rows, so the risk column and its reasons show (explain_calls
    fails a page that would run the model instead)."""
    for code, risk in (("00101", 0.42), ("00102", 0.1), ("00203", 0.75)):
        CustomerSnapshot.objects.filter(period=P, code=code).update(
            churn_risk=risk, churn_reasons="long_since_last_order buying_less")


def row_heights(page):
    return page.locator("table.customers tbody tr").evaluate_all("rows => rows.map(r => r.offsetHeight)")


@pytest.mark.django_db(transaction=True)
def test_list_at_1440_fits_with_one_line_rows_and_a_remembered_column_choice(
        open_page, live_server, graded, manager_user, admin_user, explain_calls):  # noqa: F811
    scored(graded)
    base = live_server.url
    page = open_page(width=1440, height=900)
    login(page, base, "manager")
    page.goto(f"{base}/customers/?sort=-churn_risk")
    assert page.evaluate(NO_PAGE_SCROLL)
    # The default columns fit the screen: the table does not even scroll inside its box.
    assert page.locator(".list-table").evaluate("box => box.scrollWidth <= box.clientWidth")
    reasons = page.locator("td.risk .risk-reasons").first
    assert re.search("[;；]", reasons.get_attribute("title"))  # the whole text on hover (zh: ；)
    heights = row_heights(page)
    assert max(heights) <= 2 * min(heights), heights  # no 4-5-line rows
    shot(page, "list-01-1440-default-columns")

    # The chooser: hide the salesperson, show the phone; remembered after a reload, for this user only.
    page.click("details.chooser summary")
    shot(page, "list-02-1440-column-chooser")
    page.uncheck("details.chooser input[value=salesperson]")
    page.check("details.chooser input[value=phone]")
    page.click("details.chooser button.primary")
    page.wait_for_url(re.compile(r"/customers/\?sort=-churn_risk$"))
    headers = page.locator("table.customers thead th").all_inner_texts()
    assert "电话" in headers and "业务员" not in headers
    page.reload()
    assert "电话" in page.locator("table.customers thead th").all_inner_texts()
    other = open_page(width=1440, height=900)
    login(other, base, "boss")
    other.goto(f"{base}/customers/")
    assert "业务员" in other.locator("table.customers thead th").all_inner_texts()
    shot(page, "list-03-1440-chosen-columns")


@pytest.mark.django_db(transaction=True)
def test_list_on_a_phone_never_scrolls_the_page_and_keeps_the_customer_in_view(
        open_page, live_server, graded, manager_user):  # noqa: F811
    base = live_server.url
    page = open_page(width=390, height=844)
    login(page, base, "sales1")
    page.goto(f"{base}/customers/")
    assert page.evaluate(NO_PAGE_SCROLL), page.evaluate("document.documentElement.scrollWidth")
    shot(page, "list-04-390-list")
    page.click("#filter-form summary")  # every filter open
    assert page.evaluate(NO_PAGE_SCROLL), page.evaluate("document.documentElement.scrollWidth")
    shot(page, "list-05-390-more-filters")
    # The table scrolls inside its box; the customer's name stays where it was.
    name = page.locator("table.customers tbody td.name").first
    before = name.bounding_box()["x"]
    page.locator(".list-table").evaluate("box => { box.scrollLeft = 400; }")
    assert page.locator(".list-table").evaluate("box => box.scrollLeft") > 0
    assert abs(name.bounding_box()["x"] - before) < 1
    assert page.evaluate(NO_PAGE_SCROLL)
    shot(page, "list-06-390-table-scrolled")


@pytest.mark.django_db(transaction=True)
def test_filtering_in_the_browser_never_puts_empty_parameters_in_the_address(
        open_page, live_server, graded, manager_user):  # noqa: F811
    base = live_server.url
    page = open_page(width=1440, height=900)
    login(page, base, "manager")
    page.goto(f"{base}/customers/")
    page.check("input[name=grade][value=B]")
    page.wait_for_url(re.compile(r"grade=B"))
    assert not re.search(r"[?&][a-z_]+=(&|$)", page.url), page.url
    page.click("#filter-form button[type=submit]")  # a plain submit of the whole form
    page.wait_for_load_state("networkidle")
    assert "grade=B" in page.url and not re.search(r"[?&][a-z_]+=(&|$)", page.url), page.url
