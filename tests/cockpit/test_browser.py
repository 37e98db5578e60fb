"""End-to-end in headless Chromium (Debian's package, never a downloaded browser) against pytest-django's live server.

Manager and salesperson journeys: dashboard, a tile, a filter, a sort, back, a profile, logging a visit, switching
the language; a screenshot of each page lands in artifacts/screenshots/. No console error and no CSP violation
is tolerated. Skips when /usr/bin/chromium is missing, fails instead under REQUIRE_SERVICES=1.
"""

import os
import re
from pathlib import Path

import pytest

from customers.models import Visit
from tests.conftest import service_missing

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        service_missing(f"needs Chromium at {CHROMIUM}: apt-get install -y chromium fonts-noto-cjk")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        service_missing("needs Playwright for Python (pip install playwright; never `playwright install`)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    # Playwright's sync API keeps an event loop running in this thread for the whole module; Django's ORM calls
    # of the tests and of the live server's database flush are still synchronous (pytest-django's advice).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, live_server):
    """A fresh browser context (Chinese by default) whose console errors fail the test."""
    contexts, problems = [], []

    def make(width=1366, height=900):
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        return page

    make.problems = problems  # a test that provokes an error on purpose (a 404) removes it from here
    yield make
    for context in contexts:
        context.close()
    assert problems == [], f"browser console errors (CSP violations included): {problems}"


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{base}/")


def shot(page, name):
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def rows(page):
    return page.locator("table.customers tbody tr td.name .small").all_inner_texts()


def wait_charts(page, count):
    # Locators, not wait_for_function(string): the pages' CSP forbids evaluating strings as script.
    page.locator("[data-figure] .main-svg").nth(count - 1).wait_for()


@pytest.mark.django_db(transaction=True)
def test_manager_dashboard_tile_filter_sort_profile_language(open_page, live_server, graded, manager_user):
    base = live_server.url
    page = open_page()
    login(page, base, "manager")
    wait_charts(page, 4)  # three trends and the grade distribution, rendered from JSON by static JS
    assert page.locator("h1").first.inner_text().startswith("仪表盘")
    assert page.locator("a.tile-sales_plunge b").inner_text() == "2"
    shot(page, "01-manager-dashboard-zh")

    page.click("a.tile-sales_plunge")
    page.wait_for_url(re.compile(r"/customers/\?.*flag=sales_plunge"))
    assert sorted(rows(page)) == ["00101", "00201"]
    shot(page, "02-manager-list-from-tile")

    # Filter: an htmx swap of the results, the URL follows (shareable, back works).
    page.click("a.button:has-text('清除筛选')")
    page.wait_for_url(re.compile(r"/customers/\?period=2025-03$"))
    page.check("input[name=grade][value=B]")
    page.wait_for_url(re.compile(r"grade=B"))
    from playwright.sync_api import expect

    expect(page.locator("table.customers tbody tr")).to_have_count(2)
    assert sorted(rows(page)) == ["00101", "00202"]
    # Sort by code, descending after a second click.
    page.click("table.customers thead a:has-text('客户')")
    page.wait_for_url(re.compile(r"sort=customer"))
    page.click("table.customers thead a:has-text('客户')")
    page.wait_for_url(re.compile(r"sort=-customer"))
    assert page.locator("table.customers thead th[aria-sort=descending]").count() == 1
    shot(page, "03-manager-list-filtered-sorted")
    page.go_back()
    page.wait_for_url(re.compile(r"sort=customer(&|$)"))
    assert page.locator("table.customers thead th[aria-sort=ascending]").count() == 1

    page.click("table.customers a:has-text('天河便利店')")
    page.wait_for_url(f"{base}/customers/00101/")
    wait_charts(page, 2)
    assert "致电了解变化原因" in page.locator(".action-text").inner_text()
    shot(page, "04-manager-profile-zh")

    page.select_option("#lang-select", "en")
    page.click("form.lang button[type=submit]")
    page.wait_for_url(f"{base}/customers/00101/")
    assert page.locator(".action-text").inner_text() == "Call to find out what changed"
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "05-manager-profile-en")
    page.goto(f"{base}/")
    wait_charts(page, 4)
    assert "About to churn" in page.locator("ul.tiles").inner_text()
    shot(page, "06-manager-dashboard-en")


@pytest.mark.django_db(transaction=True)
def test_salesperson_book_profile_visit_and_coupon_selection(open_page, live_server, graded):
    base = live_server.url
    page = open_page()
    login(page, base, "sales1")
    wait_charts(page, 4)
    body = page.locator("main").inner_text()
    assert "朝阳批发" not in body and "00201" not in body
    assert page.locator("#id_region").count() == 0  # a salesperson sees their own book, no region picker
    shot(page, "07-salesperson-dashboard")

    page.click("nav a:has-text('客户')")
    page.wait_for_url(f"{base}/customers/")
    assert sorted(rows(page)) == ["00101", "00102"]
    send = page.locator("#send-coupon")
    assert send.is_disabled()
    page.check("#select-page")
    assert send.is_enabled() and page.locator("#selected-count").inner_text() == "已选 2 个"
    shot(page, "08-salesperson-list-selected")

    page.click("table.customers a:has-text('越秀超市')")
    page.wait_for_url(f"{base}/customers/00102/")
    page.fill("#id_note", "老板说下周补货")
    page.select_option("#id_kind", "phone")
    page.click("#visits button[type=submit]")
    page.wait_for_selector("#visits .saved")
    assert "老板说下周补货" in page.locator("#visits ol.timeline").inner_text()
    assert page.url == f"{base}/customers/00102/"  # htmx swap, no reload
    shot(page, "09-salesperson-profile-visit-logged")
    assert Visit.objects.filter(customer__code="00102", note="老板说下周补货").count() == 1

    response = page.goto(f"{base}/customers/00201/")  # another salesperson's customer
    assert response.status == 404
    shot(page, "10-salesperson-other-customer-404")
    assert open_page.problems == ["Failed to load resource: the server responded with a status of 404 (Not Found)"]
    open_page.problems.clear()


@pytest.mark.django_db(transaction=True)
def test_tablet_width_has_no_page_overflow(open_page, live_server, graded, manager_user):
    base = live_server.url
    page = open_page(width=820, height=1180)
    login(page, base, "manager")
    wait_charts(page, 4)
    for path, name in (("/", "11-tablet-dashboard"), ("/customers/", "12-tablet-list"),
                       ("/customers/00101/", "13-tablet-profile")):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        # The wide customer table scrolls inside its own box; the page itself never scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
        shot(page, name)
    # Focus is visible: the skip link and inputs get the outline.
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"

