"""End to end in headless Chromium (issue 5): a salesperson selects three customers on the list, clicks "send
coupon", picks a campaign, confirms, and watches the statuses reach "sent" (locmem SMS backend, eager tasks).

Debian's chromium driven by Playwright, as tests/cockpit/test_browser.py (its fixtures, via conftest.py: no console
error or CSP violation is tolerated); a screenshot of each step lands in artifacts/screenshots/.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coupons import sms
from coupons.models import Campaign, CouponIssue
from tests.cockpit.test_browser import login, shot

pytestmark = pytest.mark.browser

THREE = ["00201", "00202", "00203"]  # 李四's book (sales2)


@pytest.mark.django_db(transaction=True)
def test_salesperson_sends_a_coupon_to_three_customers_from_the_list(open_page, live_server, graded, campaign,
                                                                      settings):
    settings.SMS_QUIET_HOURS = ""  # any hour: nothing waits for the morning
    today = timezone.localdate()
    summer = Campaign.objects.create(
        name="夏季特惠", kind=Campaign.Kind.FACE_VALUE, value=Decimal("30.00"), min_spend=Decimal("300.00"),
        valid_from=today, valid_to=today + dt.timedelta(days=20), sms_template="{name}您好，{value}元券{code}",
        created_by=campaign.created_by,
    )
    base = live_server.url
    page = open_page()
    login(page, base, "sales2")

    page.click("nav.main-nav a:has-text('客户')")
    page.wait_for_url(f"{base}/customers/")
    send = page.locator("#send-coupon")
    assert send.is_disabled()
    for code in THREE:
        page.check(f"input[name=codes][value='{code}']")
    assert send.is_enabled() and page.locator("#selected-count").inner_text() == "已选 3 个"
    shot(page, "20-coupon-list-three-selected")

    send.click()
    page.wait_for_url(re.compile(r"/coupons/send/\?codes=\d+&codes=\d+&codes=\d+$"))
    assert sorted(re.findall(r"codes=(\d+)", page.url)) == THREE
    assert page.locator("nav.main-nav a[aria-current=page]").inner_text() == "优惠券"
    # Picking the campaign swaps the dialog (htmx): the preview and Confirm follow the choice.
    page.select_option("#send-campaign", str(summer.pk))
    page.wait_for_selector(f"#send-dialog form[method=post] input[name=campaign][value='{summer.pk}']",
                           state="attached")
    assert "将有 3 个客户收到" in page.locator("#send-dialog").inner_text()
    assert page.locator("#send-dialog button.primary").inner_text() == "确认：发送给 3 个客户"
    shot(page, "21-coupon-dialog")

    page.click("#send-dialog form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r"/coupons/requests/\d+/$"))
    # The statuses refresh themselves (htmx polling while anything is queued or sending) until all are sent.
    # (A locator, not wait_for_function: the page's CSP forbids evaluating strings as script.)
    expect(page.locator("#issue-table tbody .badge.status-sent")).to_have_count(3, timeout=20000)
    assert page.locator("#issue-table").get_attribute("hx-trigger") is None  # polling stops once all are done
    shot(page, "22-coupon-sent")

    issues = CouponIssue.objects.filter(campaign=summer)
    assert sorted(issues.values_list("customer__code", flat=True)) == THREE
    assert set(issues.values_list("status", flat=True)) == {"sent"}
    assert len(sms.outbox) == 3


@pytest.fixture
def fake_aliyun(settings):
    """The coupons tests' fake Aliyun SMS on 127.0.0.1, and the settings that point the backend at it."""
    from tests.coupons.fakes import AliyunFake

    fake = AliyunFake().start()
    settings.SMS_BACKEND = "coupons.sms.backends.aliyun.SmsBackend"
    settings.SMS_ALIYUN_ENDPOINT = fake.url
    settings.SMS_ALIYUN_ACCESS_KEY_ID = fake.key_id
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = fake.secret
    yield fake
    fake.stop()


@pytest.mark.django_db(transaction=True)
def test_manager_creates_an_aliyun_campaign_with_the_live_preview_then_sends(open_page, live_server, graded,
                                                                            manager_user, fake_aliyun, settings):
    """Issue 19: a campaign on an approved Aliyun template, previewed as the customer reads it, sent to the fake."""
    from tests.coupons.conftest import ALIYUN_TEXT

    settings.SMS_QUIET_HOURS = ""
    base = live_server.url
    page = open_page()
    login(page, base, "manager")
    page.goto(f"{base}/coupons/send/?codes=00101&codes=00102")
    page.click("#send-dialog a.button.primary")  # no campaign yet: create one on the way
    page.wait_for_url(re.compile(r"/coupons/new/\?next="))
    page.fill("#id_name", "阿里云春季券")
    page.fill("#id_value", "50")
    page.fill("#id_valid_from", timezone.localdate().isoformat())
    page.fill("#id_valid_to", (timezone.localdate() + dt.timedelta(days=30)).isoformat())
    page.select_option("#id_provider", "aliyun")
    page.fill("#id_provider_template_id", "SMS_123456789")
    page.fill("#id_provider_sign_name", "示例商贸")
    page.fill("#id_provider_variables", '{"name": "name", "value": "value", "code": "code", "valid_to": "valid_to"}')
    page.fill("#id_provider_template_text", ALIYUN_TEXT)
    expect(page.locator("#template-preview .sms-bubble")).to_contain_text(
        "【示例商贸】示例客户名称十个字您好，送您50元优惠券")
    shot(page, "23-coupon-aliyun-campaign-form")
    page.click("form.campaign-form button[type=submit]")
    page.wait_for_url(re.compile(r"/coupons/send/\?codes=00101%2C00102&campaign=\d+$"))
    assert "将有 2 个客户收到" in page.locator("#send-dialog").inner_text()
    page.click("#send-dialog form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r"/coupons/requests/\d+/$"))
    expect(page.locator("#issue-table tbody .badge.status-sent")).to_have_count(2, timeout=20000)
    shot(page, "24-coupon-aliyun-sent")
    assert sorted(fake_aliyun.received()) == sorted(c.mobile[3:] for c in
                                                    Campaign.objects.get(name="阿里云春季券").issues.all())
    assert set(fake_aliyun.received().values()) == {1}
