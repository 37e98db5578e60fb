"""Issue 16 defect 5: the send dialog with no campaign, {code} required, {value} bare, times for people."""

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone, translation

from coupons.models import Campaign
from coupons.services import coupon_campaign_send
from customers.models import Customer

pytestmark = pytest.mark.django_db

FORM = {"name": "路上建的", "kind": "face_value", "value": "50", "min_spend": "0", "valid_from": "2025-01-01",
        "valid_to": "2099-01-01", "sms_template": "{name}您好，送您{value}元优惠券，券码{code}", "active": "on"}


def _create_link(html):
    match = re.search(r'href="(/coupons/new/\?next=[^"]+)"', html)
    assert match, "no link to create a campaign"
    return match.group(1).replace("&amp;", "&")


def test_a_manager_creates_a_campaign_on_the_way_and_comes_back_with_the_selection(client, manager_user, book):
    client.force_login(manager_user)
    html = client.get("/coupons/send/?codes=00101&codes=00102").content.decode()
    assert "No active campaign yet" in html
    link = _create_link(html)
    nxt = parse_qs(urlsplit(link).query)["next"][0]
    assert parse_qs(urlsplit(nxt).query) == {"codes": ["00101,00102"]}
    form = client.get(link).content.decode()
    assert f'name="next" value="{nxt}"' in form.replace("&amp;", "&")
    saved = client.post("/coupons/new/", {**FORM, "next": nxt})
    campaign = Campaign.objects.get(name="路上建的")
    assert saved.status_code == 302
    assert saved["Location"] == f"/coupons/send/?codes=00101%2C00102&campaign={campaign.pk}"
    dialog = client.get(saved["Location"]).content.decode()
    assert "2 customers will get it." in dialog
    assert "送您50元优惠券" in dialog


def test_the_list_filter_selection_is_carried_through_too(client, manager_user, book):
    client.force_login(manager_user)
    html = client.get("/coupons/send/?all=1&grade=B&grade=C&sort=-sales").content.decode()
    nxt = parse_qs(urlsplit(_create_link(html)).query)["next"][0]
    assert parse_qs(urlsplit(nxt).query) == {"all": ["1"], "grade": ["B", "C"], "sort": ["-sales"]}
    saved = client.post("/coupons/new/", {**FORM, "next": nxt})
    assert saved["Location"].startswith("/coupons/send/?all=1&grade=B&grade=C&sort=-sales&campaign=")


@pytest.mark.parametrize("nxt", ["https://evil.example/coupons/send/", "/customers/", "//evil.example/x"])
def test_next_elsewhere_is_ignored(client, manager_user, nxt):
    client.force_login(manager_user)
    saved = client.post("/coupons/new/", {**FORM, "next": nxt})
    assert saved["Location"] == f"/coupons/{Campaign.objects.get().pk}/"


def test_a_salesperson_is_told_whom_to_ask(client, book, regions, south_manager, manager_user):
    from customers.models import ManagerRegion
    from tests.factories import UserFactory

    north = UserFactory(username="north_mgr", role="manager")
    ManagerRegion.objects.create(user=north, region=regions["north"])
    client.force_login(book["sp1"].user)
    html = client.get("/coupons/send/?codes=00101").content.decode()
    assert "/coupons/new/" not in html
    # sales1's customers sit in 广东 and 广州: the all-company manager and the south manager, not the north one.
    assert "Ask a manager to create one: manager、south_mgr." in html


def test_a_template_without_code_is_refused(client, manager_user):
    client.force_login(manager_user)
    bad = client.post("/coupons/new/", {**FORM, "sms_template": "{name}您好，送您{value}元优惠券"})
    assert bad.status_code == 200
    assert "the template must contain {code}" in bad.content.decode()
    assert not Campaign.objects.exists()
    preview = client.post("/coupons/template-preview/", {"sms_template": "送您{value}元", "value": "5"})
    assert "the template must contain {code}" in preview.content.decode()


def test_value_is_the_bare_number_and_the_form_documents_the_variables(client, manager_user, book, admin_user):
    today = timezone.localdate()
    money = Campaign.objects.create(name="m", value=Decimal("50.00"), valid_from=today, valid_to=today,
                                    sms_template="送您{value}元优惠券{code}")
    off = Campaign.objects.create(name="d", kind="discount", value=Decimal("15"), valid_from=today, valid_to=today,
                                  sms_template="全场{value}折{code}")
    assert (money.value_number, off.value_number) == ("50", "8.5")
    user = book["sp1"].user
    for campaign, text in ((money, "送您50元优惠券"), (off, "全场8.5折")):
        coupon_campaign_send(user=user, campaign=campaign, customers_qs=Customer.objects.filter(code="00101"),
                             idempotency_key=f"v{campaign.pk}")
        assert text in campaign.issues.get().message
    client.force_login(manager_user)
    form = client.get("/coupons/new/").content.decode()
    for variable in ("{name}", "{code}", "{value}", "{valid_to}", "{company}"):
        assert variable in form
    assert "送您{value}元优惠券" in form


@pytest.mark.parametrize(("language", "shown"), [("zh-hans", "2026年12月8日 08:00"), ("en", "12/08/2026 8 a.m.")])
def test_the_send_page_shows_times_in_the_site_time_zone_for_people(client, book, campaign, settings, language,
                                                                    shown):
    settings.SMS_QUIET_HOURS = "21:00-08:00"
    late = dt.datetime(2026, 12, 7, 15, 0, tzinfo=dt.UTC)  # 23:00 in Shanghai: held until 08:00 next morning
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=late):
        campaign.valid_from, campaign.valid_to = dt.date(2026, 12, 1), dt.date(2026, 12, 31)
        campaign.save()
        report = coupon_campaign_send(user=book["sp1"].user, campaign=campaign,
                                      customers_qs=Customer.objects.filter(code="00101"), idempotency_key="q")
    client.force_login(book["sp1"].user)
    with translation.override(language):
        html = client.get(f"/coupons/requests/{report.send_request_id}/", HTTP_ACCEPT_LANGUAGE=language)
    page = html.content.decode()
    assert "2026-12-08T00:00" not in page and "+00:00" not in page  # no raw UTC ISO string
    assert page.count(shown) >= 2  # the quiet-hours notice and the row's "after ..."
    assert "a.m.." not in page and "p.m.." not in page  # English times end in a period already
    assert ("accepted for sending" if language == "en" else "已受理") in page  # not "queued" once sent


def test_a_campaign_page_offers_send_to_customers_and_the_dialog_remembers_it(client, book, campaign):
    today = timezone.localdate()
    Campaign.objects.create(name="更新的", value=5, valid_from=today, valid_to=today, sms_template="{code}")
    client.force_login(book["sp1"].user)
    page = client.get(f"/coupons/{campaign.pk}/").content.decode()
    assert f'href="/coupons/send/?campaign={campaign.pk}"' in page
    dialog = client.get(f"/coupons/send/?campaign={campaign.pk}").content.decode()
    assert "Choose the customers first" in dialog and 'href="/customers/"' in dialog
    assert "select at least one customer" not in dialog
    # Back from the list with a selection, the campaign chosen on its page is still the one selected.
    chosen = client.get("/coupons/send/?codes=00101").content.decode()
    assert f'<option value="{campaign.pk}" selected>' in chosen
