"""A salesperson's and a manager's screens on a 390x844 phone, in Chinese and English (issue 16 defect 7).

The page never scrolls sideways (document.documentElement.scrollWidth <= innerWidth): wide tables scroll inside
their own box, charts shrink to the screen and their x-axis labels do not overlap. The header stays within two
lines. Screenshots of every page land in
artifacts/screenshots/phone-*.png. Same fixtures as test_browser (Debian's Chromium, pytest-django's live server).
"""

import pytest

from tests.cockpit.test_browser import ARGS, CHROMIUM, SHOTS, browser, login, shot, wait_charts  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LOCALES = {"zh": "zh-CN", "en": "en-US"}


@pytest.fixture
def phone(browser, live_server):  # noqa: F811
    """Open a 390x844 touch context in a language; console errors (CSP included) fail the test."""
    contexts, problems = [], []

    def make(lang):
        context = browser.new_context(locale=LOCALES[lang], viewport=PHONE, device_scale_factor=1, is_mobile=True,
                                      has_touch=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert problems == [], f"browser console errors: {problems}"


def overflow(page) -> dict:
    """How wide the page is against the screen, and which elements stick out of it (for the failure message)."""
    return page.evaluate("""(w) => {
        const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1
            && !e.closest('.table-wrap, .history, .js-plotly-plot')).slice(0, 5)
            .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));
        return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, wide};
    }""", PHONE["width"])


def overlapping_ticks(page) -> list[str]:
    """Charts whose x-axis tick labels overlap one another (each chart's labels, left to right)."""
    return page.evaluate("""() => [...document.querySelectorAll('[data-figure]')].flatMap(chart => {
        const boxes = [...chart.querySelectorAll('.xtick text')].map(t => t.getBoundingClientRect())
            .filter(b => b.width > 0).sort((a, b) => a.left - b.left);
        const ys = [...chart.querySelectorAll('.ytick text')].map(t => t.getBoundingClientRect())
            .filter(b => b.width > 0);
        const hits = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1
            && b.top < a.bottom - 1;
        // x labels on one another, or (a trend line) the first month's label on the y axis's "0"
        const onAxis = chart.dataset.figure.startsWith('trend-') && boxes.some(b => ys.some(y => hits(b, y)));
        return boxes.slice(1).some((b, i) => b.left < boxes[i].right - 1) || onAxis ? [chart.dataset.figure] : [];
    })""")


def fractional_count_ticks(page) -> list[str]:
    """Trend charts of a count of customers whose y axis labels fractions ("500m" for half a customer)."""
    return page.evaluate("""() => [...document.querySelectorAll('[data-figure^="trend-"]')].flatMap(chart =>
        [...chart.querySelectorAll('.ytick text')].some(t => /^[\\d.]+m$|^\\d*\\.\\d+$/.test(t.textContent.trim()))
            ? [chart.dataset.figure] : [])""")


def check_page(page, url, name, problems, charts=0):
    """Load `url`, screenshot it and note in `problems` what does not fit the phone (all pages are checked and
    photographed before the test fails, so one run shows every page)."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if charts:
        wait_charts(page, charts)
    size = overflow(page)
    shot(page, name)
    print(f"screenshot: {SHOTS / name}.png")
    # A phone widens the layout viewport to what overflows and zooms out: the width must stay the device's.
    if not size["scroll"] <= size["inner"] == PHONE["width"]:
        problems.append(f"{url} scrolls sideways: {size}")
        print(problems[-1])
    if charts and (crowded := overlapping_ticks(page)):
        problems.append(f"{url}: axis labels overlap in {crowded}")
    if charts and (fractions := fractional_count_ticks(page)):
        problems.append(f"{url}: a count of customers with fractional ticks in {fractions}")
    header = page.locator("header.topbar").bounding_box()
    if header["height"] > 100:
        problems.append(f"{url}: the header takes {header['height']} px (more than two lines)")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_salesperson_screens_fit_a_phone(phone, live_server, graded, lang):
    base = live_server.url
    page = phone(lang)
    login(page, base, "sales1")
    problems: list[str] = []
    check_page(page, f"{base}/", f"phone-sales1-{lang}-dashboard", problems, charts=4)
    check_page(page, f"{base}/customers/00101/", f"phone-sales1-{lang}-profile", problems, charts=2)
    check_page(page, f"{base}/worklist/", f"phone-sales1-{lang}-worklist", problems)
    assert page.locator("li.work-item").count() >= 1
    # The list's wide table scrolls in its own box; the page around it (header, filters) is this layout's.
    check_page(page, f"{base}/customers/", f"phone-sales1-{lang}-list", problems)
    # The column chooser opens inside the screen, every choice and button within reach (it opened at -279 px).
    page.locator("details.chooser > summary").click()
    shot(page, f"phone-sales1-{lang}-list-chooser")
    form = page.locator("details.chooser .chooser-form").bounding_box()
    if not (form["x"] >= 0 and form["x"] + form["width"] <= PHONE["width"]):
        problems.append(f"the column chooser is off the screen: {form}")
    page.locator("details.chooser .chooser-actions button").first.click(trial=True)  # in view and clickable
    assert problems == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_manager_screens_fit_a_phone(phone, live_server, graded, manager_user, lang):
    base = live_server.url
    page = phone(lang)
    login(page, base, "manager")
    problems: list[str] = []
    check_page(page, f"{base}/", f"phone-manager-{lang}-dashboard", problems, charts=4)
    check_page(page, f"{base}/customers/00101/", f"phone-manager-{lang}-profile", problems, charts=2)
    check_page(page, f"{base}/worklist/", f"phone-manager-{lang}-worklist", problems)
    check_page(page, f"{base}/worklist/?salesperson={graded['sp1'].pk}", f"phone-manager-{lang}-worklist-sales1",
               problems)
    assert page.locator("li.work-item").count() >= 1
    assert problems == []


@pytest.mark.django_db(transaction=True)
def test_admin_settings_screens_fit_a_phone(phone, live_server, graded, admin_user):
    """The admin's pages with wide tables (users, policy history, reassign, merge) scroll inside their boxes."""
    base = live_server.url
    page = phone("en")  # English words are the wider ones
    login(page, base, admin_user.username)
    problems: list[str] = []
    for path, name in (("/settings/", "settings"), ("/settings/users/", "users"),
                       ("/settings/users/new/", "user-new"), (f"/settings/users/{admin_user.pk}/", "user"),
                       ("/settings/grading/", "grading"), ("/settings/grading/history/", "grading-history"),
                       ("/settings/reassign/", "reassign"), ("/settings/merge/", "merge"), ("/coupons/", "coupons")):
        check_page(page, f"{base}{path}", f"phone-admin-en-{name}", problems)
    assert problems == []
