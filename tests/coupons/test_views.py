"""The coupon pages: campaign list and form, campaign page with polling, the send dialog."""

import re

import pytest

from coupons import sms
from coupons.models import Campaign, CouponIssue, SendRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales1(client, book):
    client.force_login(book["sp1"].user)
    return client


def test_campaign_list_for_a_salesperson_has_no_new_button(sales1, campaign):
    page = sales1.get("/coupons/").content.decode()
    assert "春季回馈" in page and "/coupons/new/" not in page
    assert sales1.get("/coupons/new/").status_code == 403
    assert sales1.post("/coupons/template-preview/", {"sms_template": "x"}).status_code == 403


def test_manager_creates_a_campaign_with_the_length_check(client, manager_user):
    client.force_login(manager_user)
    form = client.get("/coupons/new/").content.decode()
    assert 'hx-post="/coupons/template-preview/"' in form
    for name in ("name", "kind", "value", "min_spend", "valid_from", "valid_to", "sms_template", "active"):
        assert f'for="id_{name}"' in form  # every input has its label
    preview = client.post("/coupons/template-preview/", {"sms_template": "{name}好，券{code}", "kind": "discount",
                                                         "value": "15", "valid_to": "2099-01-01"}).content.decode()
    assert "【示例商贸】示例客户名称十个字好，券7KQ4M9XR2T 回T退订" in preview
    assert "1 SMS segment" in preview
    bad = client.post("/coupons/new/", {"name": "x", "kind": "face_value", "value": "5", "min_spend": "0",
                                        "valid_from": "2025-01-01", "valid_to": "2099-01-01",
                                        "sms_template": "券{coupon}", "active": "on"})
    assert bad.status_code == 200 and "unknown variable {coupon}" in bad.content.decode()
    ok = client.post("/coupons/new/", {"name": "八五折", "kind": "discount", "value": "15", "min_spend": "0",
                                       "valid_from": "2025-01-01", "valid_to": "2099-01-01",
                                       "sms_template": "{name}：{value}券{code}", "active": "on"})
    campaign = Campaign.objects.get(name="八五折")
    assert ok.status_code == 302 and ok["Location"] == f"/coupons/{campaign.pk}/"
    assert campaign.value_display == "8.5折" and campaign.created_by == manager_user


def test_send_dialog_shows_recipients_and_skips_and_confirm_sends_once(sales1, book, campaign,
                                                                       django_capture_on_commit_callbacks):
    book["c2"].mobile = ""
    book["c2"].save()
    page = sales1.get("/coupons/send/?codes=00101&codes=00102,00201").content.decode()
    assert "1 customer will get it." in page
    assert "no mobile number" in page and "not found among your customers" in page
    assert "朝阳批发" not in page  # another salesperson's customer is not even named
    assert 'for="send-campaign"' in page
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page).group(1)
    form = {"idempotency_key": key, "campaign": campaign.pk, "codes": ["00101", "00102", "00201"]}
    with django_capture_on_commit_callbacks(execute=True):
        first = sales1.post("/coupons/send/", form)
    second = sales1.post("/coupons/send/", form)  # the double click
    assert first.status_code == 302 and first["Location"] == second["Location"]
    assert SendRequest.objects.count() == 1
    assert [m.to for m in sms.outbox] == [book["c1"].mobile]
    result = sales1.get(first["Location"]).content.decode()
    assert "status-sent" in result and "hx-trigger" not in result  # nothing in flight: no polling


def test_htmx_campaign_switch_returns_the_dialog_fragment(sales1, campaign):
    fragment = sales1.get(f"/coupons/send/?codes=00101&campaign={campaign.pk}", HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith('<section id="send-dialog"')


def test_campaign_page_polls_while_anything_is_queued(sales1, book, campaign):
    from coupons.services import coupon_campaign_send
    from customers.models import Customer

    coupon_campaign_send(user=book["sp1"].user, campaign=campaign,
                         customers_qs=Customer.objects.filter(code="00101"), idempotency_key="p")
    page = sales1.get(f"/coupons/{campaign.pk}/").content.decode()
    assert f'hx-get="/coupons/{campaign.pk}/issues/"' in page and 'hx-trigger="every 2s"' in page
    assert "Comparison with similar customers" in page
    CouponIssue.objects.update(status="sent")
    partial = sales1.get(f"/coupons/{campaign.pk}/issues/").content.decode()
    assert partial.lstrip().startswith('<div id="issue-table"') and "every 2s" not in partial


def test_salesperson_does_not_see_anothers_send_request_or_issues(client, book, campaign):
    from coupons.services import coupon_campaign_send
    from customers.models import Customer

    report = coupon_campaign_send(user=book["sp2"].user, campaign=campaign,
                                  customers_qs=Customer.objects.filter(code="00201"), idempotency_key="s2")
    client.force_login(book["sp1"].user)
    assert client.get(f"/coupons/requests/{report.send_request_id}/").status_code == 404
    assert "00201" not in client.get(f"/coupons/{campaign.pk}/").content.decode()
