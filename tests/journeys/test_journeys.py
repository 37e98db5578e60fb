"""A user's day, in the browser (issue 16): each journey is a real task written to the REQUIRED behaviour.

- The manager's morning (Chinese and English): dashboard -> at-risk tile -> list -> profile -> manual override ->
  the new grade visible at once on the profile and the list -> send a coupon, creating the campaign on the way
  (the send dialog links to the campaign form and comes back with the selection).
- The salesperson's day on a 390x844 phone: worklist -> call -> log a visit -> coupon; no page scrolls sideways
  (dashboard, list, profile, worklist).
- The admin's policy change (edit -> preview -> save -> recompute) while a manager keeps loading pages.

Data: the graded book of tests/cockpit/conftest.py (period 2025-03; 00201 朝阳批发 is at risk, owned by sales2;
00101 天河便利店 and 00102 越秀超市 belong to sales1).
"""

import datetime as dt
import re
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.utils import timezone

from analytics.services.policies import policy_active
from coupons.models import Campaign, CouponIssue
from customers.models import Visit
from tests.cockpit.conftest import graded  # noqa: F401 - the fixture, shared with the cockpit tests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def rows(page) -> list[str]:
    return page.locator("table.customers tbody tr td.name .small").all_inner_texts()


def profile_grade(page) -> str:
    return page.locator(".profile-head .grade.big").first.inner_text().strip()


def list_grade(page, code: str) -> str:
    row = page.locator(f"table.customers tbody tr:has(td.name:has-text('{code}'))").first
    return row.locator(".grade").first.inner_text().strip()


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_manager_morning(journey, graded, manager_user, locale):  # noqa: F811
    j = journey(f"manager-morning-{locale[:2]}")
    page = j.page(locale=locale)
    j.login(page, "manager")
    page.locator("[data-figure] .main-svg").first.wait_for()
    j.expect(page.locator("html").get_attribute("lang") == ("zh-hans" if locale == "zh-CN" else "en"),
             "the UI speaks the browser's language")
    j.shot(page, "dashboard")

    page.click("a.tile-at_risk")
    page.wait_for_url(re.compile(r"/customers/\?.*lifecycle=at_risk"))
    j.expect("00201" in rows(page), "the at-risk tile lists 00201, the customer at risk")
    j.shot(page, "at-risk-list")

    page.click("table.customers a:has-text('朝阳批发')")
    page.wait_for_url(f"{j.base}/customers/00201/")
    before = profile_grade(page)
    j.shot(page, "profile")

    # The override panel loads into the profile (htmx); a manager sets grade A until a date, with a reason.
    panel = page.locator("#override-panel")
    panel.wait_for()
    new_grade = "A" if before != "A" else "B"
    panel.locator("select[name=grade]").select_option(new_grade)
    panel.locator("input[name=reason]").fill("大客户回流，先按A类跟进")
    panel.locator("input[name=until]").fill((timezone.localdate() + dt.timedelta(days=90)).isoformat())
    # A saved override answers HX-Refresh: the profile reloads itself with the new grade. Wait for that reload
    # to finish before loading the page again (a second reload raced it: "Not attached to an active page").
    with page.expect_navigation():
        panel.locator("button.primary").click()
    page.wait_for_load_state("networkidle")
    page.locator("#override-current").filter(has_text=new_grade).wait_for()
    j.shot(page, "override-saved")

    page.goto(f"{j.base}/customers/00201/")
    j.expect(profile_grade(page) == new_grade,
             f"the override shows at once on the profile: grade {profile_grade(page)!r}, expected {new_grade!r}")
    j.shot(page, "profile-after-override")
    page.goto(f"{j.base}/customers/?period=2025-03&q=00201")
    j.expect(list_grade(page, "00201") == new_grade,
             f"the override shows at once on the list: grade {list_grade(page, '00201')!r}, expected {new_grade!r}")
    j.shot(page, "list-after-override")

    # Send a coupon: no campaign exists yet, so the dialog must lead the manager to create one and come back.
    page.goto(f"{j.base}/customers/00201/")
    page.click("a.button[href^='/coupons/send/']")
    page.wait_for_url(re.compile(r"/coupons/send/\?codes=00201"))
    j.shot(page, "send-dialog-no-campaign")
    create = page.locator("#send-dialog a[href^='/coupons/new/']")
    if j.expect(create.count() > 0, "the send dialog without a campaign links a manager to create one"):
        create.first.click()
        page.wait_for_url(re.compile(r"/coupons/new/"))
    else:
        page.goto(f"{j.base}/coupons/new/")  # what the manager has to do by hand today
    page.fill("#id_name", "回流客户满减")
    page.select_option("#id_kind", "face_value")
    page.fill("#id_value", "50")
    page.fill("#id_valid_from", timezone.localdate().isoformat())
    page.fill("#id_valid_to", (timezone.localdate() + dt.timedelta(days=30)).isoformat())
    page.fill("#id_sms_template", "{name}您好，{company}送您{value}元优惠券，券码{code}，{valid_to}前有效。")
    j.shot(page, "campaign-form")
    page.click("form button[type=submit].primary, form button[type=submit]:has-text('保存'), "
               "form button[type=submit]:has-text('Save')")
    page.wait_for_load_state("networkidle")
    j.expect(Campaign.objects.count() == 1, "the campaign is saved")
    back = bool(re.search(r"/coupons/send/\?.*codes=00201", page.url))
    if not j.expect(back, f"after saving the campaign the manager is back in the send dialog with 00201 selected "
                          f"(now on {page.url})"):
        page.goto(f"{j.base}/coupons/send/?codes=00201")
    j.shot(page, "send-dialog")
    bubble = page.locator(".sms-bubble").first.inner_text() if page.locator(".sms-bubble").count() else ""
    j.expect("50元" in bubble and "¥50元" not in bubble,
             f"'送您{{value}}元' reads '送您50元' in the message preview, not '¥50元': {bubble!r}")
    confirm = page.locator("#send-dialog form[method=post] button.primary")
    j.expect(confirm.is_enabled(), "the dialog offers to send to 00201")
    confirm.click()
    page.wait_for_url(re.compile(r"/coupons/requests/\d+/"))
    j.shot(page, "send-status")
    j.expect(CouponIssue.objects.filter(customer__code="00201").count() == 1, "one coupon issued to 00201")
    j.finish()


@pytest.fixture
def campaign(graded, manager_user):  # noqa: F811
    today = timezone.localdate()
    return Campaign.objects.create(
        name="老客户回馈", kind=Campaign.Kind.FACE_VALUE, value=50, valid_from=today,
        valid_to=today + dt.timedelta(days=30), sms_template="{name}您好，送您{value}元优惠券，券码{code}。",
        active=True, created_by=manager_user)


def test_salesperson_day_on_a_phone(journey, graded, campaign):  # noqa: F811
    j = journey("salesperson-day-phone")
    page = j.page(width=390, height=844, mobile=True)
    j.login(page, "sales1")
    page.wait_for_load_state("networkidle")
    j.no_side_scroll(page, "dashboard")
    header = page.locator("header.topbar").bounding_box()
    j.expect(header is not None and header["height"] <= 100,
             f"the header fits in at most two lines on a phone (it is {header and round(header['height'])} px tall)")
    j.shot(page, "dashboard")

    page.goto(f"{j.base}/worklist/")
    page.wait_for_load_state("networkidle")
    j.no_side_scroll(page, "worklist")
    j.shot(page, "worklist")
    items = page.locator("ol.worklist > li.work-item")  # today's cards (analytics/worklist: templates/worklist)
    j.expect(items.count() > 0, "the worklist has today's follow-ups for sales1")
    first = items.first
    code = re.search(r"\b(0\d{4})\b", first.inner_text()).group(1)
    # Call: the phone number is one tap away (a tel: link), on the worklist or the customer's profile.
    call = first.locator("a[href^='tel:']")
    if not j.expect(call.count() > 0, f"the worklist row of {code} has a tap-to-call link"):
        page.goto(f"{j.base}/customers/{code}/")
        call = page.locator("a[href^='tel:']")
    j.expect(call.count() > 0, f"{code}'s phone is a tel: link")

    page.goto(f"{j.base}/customers/{code}/#visits")
    page.wait_for_load_state("networkidle")
    j.no_side_scroll(page, "profile")
    j.shot(page, "profile")
    page.fill("#id_note", "电话沟通：下周一补货")
    page.select_option("#id_kind", "phone")
    page.click("#visits button[type=submit]")
    page.wait_for_selector("#visits .saved")
    j.expect("电话沟通：下周一补货" in page.locator("#visits").inner_text(), "the logged call shows in the timeline")
    j.expect(Visit.objects.filter(customer__code=code, note="电话沟通：下周一补货").count() == 1, "the visit is saved")
    j.no_side_scroll(page, "profile after logging a visit")
    j.shot(page, "visit-logged")

    page.goto(f"{j.base}/coupons/send/?codes={code}")
    page.wait_for_load_state("networkidle")
    j.no_side_scroll(page, "send dialog")
    j.shot(page, "send-dialog")
    page.click("#send-dialog form[method=post] button.primary")
    page.wait_for_url(re.compile(r"/coupons/requests/\d+/"))
    j.expect(CouponIssue.objects.filter(customer__code=code, campaign=campaign).count() == 1, "the coupon is issued")
    page.wait_for_load_state("networkidle")
    j.no_side_scroll(page, "send status")
    j.shot(page, "send-status")
    page.goto(f"{j.base}/coupons/")
    page.wait_for_load_state("networkidle")
    j.no_side_scroll(page, "campaign list")
    j.shot(page, "campaigns")

    page.goto(f"{j.base}/customers/")
    page.wait_for_load_state("networkidle")
    j.no_side_scroll(page, "customer list")
    j.shot(page, "list")
    j.finish()


class PageLoader(threading.Thread):
    """Another user keeps loading pages (session cookie of a signed-in browser) until told to stop."""

    def __init__(self, base: str, cookie: str, paths: list[str]) -> None:
        super().__init__(daemon=True)
        self.base, self.cookie, self.paths = base, cookie, paths
        self.stop = threading.Event()
        self.results: list[tuple[str, int, float]] = []

    def run(self) -> None:
        i = 0
        while not self.stop.is_set() and i < 400:  # bounded: at most 400 requests
            path = self.paths[i % len(self.paths)]
            started = time.monotonic()
            request = urllib.request.Request(self.base + path, headers={"Cookie": self.cookie})
            try:
                with urllib.request.urlopen(request, timeout=60) as r:  # noqa: S310 - the live server on loopback
                    status = r.status
                    r.read()
            except urllib.error.HTTPError as e:
                status = e.code
            except OSError:
                status = 0
            self.results.append((path, status, time.monotonic() - started))
            i += 1


@pytest.mark.postgres  # concurrent pages during a recompute: SQLite's in-memory test database locks whole tables
def test_admin_policy_change_while_a_manager_works(journey, graded, admin_user, manager_user):  # noqa: F811
    j = journey("admin-policy-change-en")
    other = j.page(locale="zh-CN")
    j.login(other, "manager")
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in other.context.cookies())
    loader = PageLoader(j.base, cookie, ["/", "/customers/", "/customers/00101/", "/worklist/",
                                         "/customers/?grade=B&sort=-sales"])
    loader.start()
    try:
        page = j.page(locale="en-US")
        j.login(page, "boss")
        page.goto(f"{j.base}/settings/grading/")
        page.locator("#preview table, #preview .preview").first.wait_for()
        j.shot(page, "grading")
        page.select_option("#policy-form select[name=method]", "rank_percentile")
        page.wait_for_load_state("networkidle")
        page.locator("#preview").filter(has_text=re.compile(r"\d")).wait_for()
        j.shot(page, "preview")
        page.fill("#f-comment", "rank by percentile from next month")
        page.click("#policy-form button[type=submit].primary")
        page.wait_for_url(f"{j.base}/settings/grading/")
        j.expect(policy_active().data.get("method") == "rank_percentile", "the new policy is active")
        j.shot(page, "saved")
        page.fill("#f-months", "3")
        started = time.monotonic()
        page.click("form[action$='/recompute/'] button[type=submit]")
        page.locator("#jobs .job").first.wait_for()
        page.locator("#jobs .job").filter(has_text=re.compile("3/3")).first.wait_for(timeout=120000)
        j.shot(page, "recomputed")
        j.expect(time.monotonic() - started < 60, "the recompute of 3 months finishes within a minute")
    finally:
        time.sleep(1)
        loader.stop.set()
        loader.join(timeout=90)
    statuses = {status for _, status, _ in loader.results}
    slow = [(p, round(s, 1)) for p, _, s in loader.results if s > 10]
    print(f"  the manager loaded {len(loader.results)} pages meanwhile; statuses {sorted(statuses)}")
    j.expect(len(loader.results) >= 5, "the manager kept loading pages during the change")
    j.expect(statuses == {200}, f"every page the manager loaded answered 200 (got {sorted(statuses)})")
    j.expect(slow == [], f"no page took more than 10 s while the admin recomputed: {slow}")
    other.goto(f"{j.base}/")
    j.shot(other, "manager-dashboard-after")
    j.finish()



def test_grading_preview_keeps_up_with_the_admin_without_aborting(journey, graded, admin_user):  # noqa: F811
    """On /settings/grading/ a change while a preview is in flight waits for it (no aborted request, no console
    error), one request per change, and the preview shown at the end is the one of the last form."""
    j = journey("grading-preview")
    page = j.page(locale="en-US")
    j.login(page, "boss")
    page.goto(f"{j.base}/settings/grading/")
    page.locator("#preview table, #preview .preview").first.wait_for()
    page.wait_for_load_state("networkidle")
    previews: list[str] = []

    def slow_preview(route):  # the first preview takes a while, as on a big book: the admin keeps editing
        previews.append(route.request.post_data or "")
        if len(previews) == 1:
            page.wait_for_timeout(2000)
        route.continue_()

    page.route("**/settings/grading/preview/", slow_preview)
    page.select_option("#policy-form select[name=method]", "rank_percentile")
    page.wait_for_timeout(900)  # the first preview is in flight now
    page.locator("#f-comment").fill("rank by percentile")
    page.wait_for_timeout(3500)
    page.wait_for_load_state("networkidle")
    j.expect(len(previews) == 2, f"one preview request per change (got {len(previews)})")
    j.expect(bool(previews) and "comment=rank" in previews[-1], "the last preview is of the last form")
    j.shot(page, "preview")
    j.finish()
