"""Issue 19 points 1 and 5: campaigns on an approved template (validation, preview) and operating them."""

import pytest
from django.utils import timezone

from coupons import conf, tasks
from coupons.models import Campaign, CouponIssue
from coupons.services import coupon_campaign_send, coupon_issue_send_batch
from customers.models import Customer
from tests.coupons.conftest import ALIYUN_TEXT

pytestmark = pytest.mark.django_db

FORM = {"name": "阿里云券", "kind": "face_value", "value": "50", "min_spend": "0", "valid_from": "2025-01-01",
        "valid_to": "2099-01-01", "provider": "aliyun", "provider_template_id": "SMS_123456789",
        "provider_sign_name": "示例商贸", "provider_template_text": ALIYUN_TEXT,
        "provider_variables": '{"name": "name", "value": "value", "code": "code", "valid_to": "valid_to"}',
        "marketing": "on", "active": "on"}


@pytest.fixture
def manager(client, manager_user):
    client.force_login(manager_user)
    return client


def errors_of(response):
    return response.context["form"].errors


def test_a_manager_creates_an_aliyun_campaign_without_a_free_text_template(manager):
    response = manager.post("/coupons/new/", FORM)
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.provider_variables == {"name": "name", "value": "value", "code": "code", "valid_to": "valid_to"}
    assert campaign.sms_template == ""


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"provider_variables": '{"name": "name", "code": "code", "value": "value"}'}, "provider_variables",
     "the template variable valid_to is not mapped"),
    ({"provider_variables": '{"name": "name", "value": "value", "code": "name", "valid_to": "valid_to"}'},
     "provider_variables", "one template variable must carry the coupon code"),
    ({"provider_variables": '{"name": "shop", "value": "value", "code": "code", "valid_to": "valid_to"}'},
     "provider_variables", "name maps to shop"),
    ({"provider_variables": '{"name": "name", "value": "value", "code": "code", "valid_to": "valid_to", '
                            '"x": "name"}'}, "provider_variables", "x is not a variable of the approved template"),
    ({"provider_template_text": ALIYUN_TEXT.replace("，回T退订", "")}, "provider_template_text",
     "a marketing template must tell how to opt out"),
    ({"provider_sign_name": ""}, "provider_sign_name", "the signature is required"),
    ({"provider_template_id": ""}, "provider_template_id", "the template code / id is required"),
])
def test_validation_on_save(manager, change, field, message):
    response = manager.post("/coupons/new/", {**FORM, **change})
    assert response.status_code == 200
    assert any(message in e for e in errors_of(response)[field]), errors_of(response)
    assert not Campaign.objects.exists()


def test_a_notification_template_needs_no_opt_out_wording(manager):
    data = {**FORM, "provider_template_text": ALIYUN_TEXT.replace("，回T退订", "")}
    data.pop("marketing")
    assert manager.post("/coupons/new/", data).status_code == 302


def test_the_live_preview_shows_exactly_what_the_customer_reads(manager):
    preview = manager.post("/coupons/template-preview/", FORM).content.decode()
    assert "【示例商贸】示例客户名称十个字您好，送您50元优惠券，券码7KQ4M9XR2T，2099-01-01前有效，回T退订" in preview


def test_send_a_test_to_my_own_phone(aliyun, aliyun_campaign, client, book):
    client.force_login(book["sp1"].user)
    page = client.get(f"/coupons/{aliyun_campaign.pk}/").content.decode()
    assert f'action="/coupons/{aliyun_campaign.pk}/test-send/"' in page
    response = client.post(f"/coupons/{aliyun_campaign.pk}/test-send/", {"mobile": "139 0013 9000"}, follow=True)
    assert "Test message sent to +8613900139000." in response.content.decode()
    [record] = aliyun.records
    assert record["phone"] == "13900139000" and record["params"]["code"] == "7KQ4M9XR2T"
    assert not CouponIssue.objects.exists()  # no coupon was issued
    bad = client.post(f"/coupons/{aliyun_campaign.pk}/test-send/", {"mobile": "12345"}, follow=True)
    assert "enter your own mobile number" in bad.content.decode()


def test_a_manager_requeues_failed_messages(campaign, book, client, manager_user, django_capture_on_commit_callbacks):
    coupon_campaign_send(user=book["sp1"].user, campaign=campaign, idempotency_key="k",
                         customers_qs=Customer.objects.filter(code__in=["00101", "00102"]))
    CouponIssue.objects.update(status="failed", error="gave up")
    client.force_login(book["sp1"].user)
    assert client.post(f"/coupons/{campaign.pk}/requeue-failed/").status_code == 403
    client.force_login(manager_user)
    page = client.get(f"/coupons/{campaign.pk}/").content.decode()
    assert "Send the 2 failed messages again" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/coupons/{campaign.pk}/requeue-failed/")
    assert sorted(CouponIssue.objects.values_list("status", flat=True)) == ["sent", "sent"]


def test_the_campaign_page_shows_delivery_figures_by_status(campaign, book, client):
    coupon_campaign_send(user=book["sp1"].user, campaign=campaign, idempotency_key="k",
                         customers_qs=Customer.objects.filter(code__in=["00101", "00102"]))
    coupon_issue_send_batch()
    CouponIssue.objects.filter(customer__code="00101").update(status="delivered", delivered_at=timezone.now())
    client.force_login(book["sp1"].user)
    page = client.get(f"/coupons/{campaign.pk}/").content.decode()
    assert "Delivery by status" in page
    assert '<li class="tile"><b>1</b> delivered</li>' in page and '<li class="tile"><b>1</b> sent</li>' in page


def test_the_periodic_sweep_settles_unknown_messages(aliyun, aliyun_campaign, book, admin_user, settings):
    settings.SMS_UNKNOWN_RESOLVE_AFTER = 0
    aliyun.behaviours = ["hang:2"]
    coupon_campaign_send(user=admin_user, campaign=aliyun_campaign, idempotency_key="k",
                         customers_qs=Customer.objects.filter(code="00101"))
    coupon_issue_send_batch()
    assert CouponIssue.objects.get().status == "unknown"
    result = tasks.send_pending.apply().get()
    assert result["resolved"] == {"delivered": 1}
    assert CouponIssue.objects.get().status == "delivered"


def test_a_managers_day_on_an_aliyun_template(aliyun, client, manager_user, book,
                                              django_capture_on_commit_callbacks):
    """Issue 19 "done when": create on a template, preview the exact text, send, watch receipts settle it."""
    from rest_framework.test import APIClient

    client.force_login(manager_user)
    assert client.post("/coupons/new/", FORM).status_code == 302
    campaign = Campaign.objects.get()
    dialog = client.get(f"/coupons/send/?codes=00101&codes=00102&campaign={campaign.pk}").content.decode()
    assert "【示例商贸】天河便利店您好，送您50元优惠券，券码7KQ4M9XR2T" in dialog
    key = dialog.split('name="idempotency_key" value="')[1][:32]
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/coupons/send/", {"idempotency_key": key, "campaign": campaign.pk,
                                              "codes": ["00101", "00102"]})
    assert sent.status_code == 302
    assert [c["action"] for c in aliyun.calls] == ["SendBatchSms"]
    page = client.get(sent["Location"]).content.decode()
    assert page.count("status-sent") >= 2
    APIClient().post("/api/v1/sms/aliyun/callback-secret/report/", aliyun.report(), format="json")
    page = client.get(sent["Location"]).content.decode()
    assert '<span class="badge status-delivered">delivered 2</span>' in page
    assert sorted(CouponIssue.objects.values_list("status", flat=True)) == ["delivered", "delivered"]


def test_a_regional_manager_requeues_only_the_failed_messages_of_their_customers(campaign, book, south_manager,
                                                                               admin_user):
    from coupons.services import coupon_issue_requeue_failed

    coupon_campaign_send(user=admin_user, campaign=campaign, idempotency_key="k",
                         customers_qs=Customer.objects.filter(code__in=["00102", "00201"]))
    CouponIssue.objects.update(status="failed", error="gave up")
    assert coupon_issue_requeue_failed(user=south_manager, campaign=campaign) == 1
    assert dict(CouponIssue.objects.values_list("customer__code", "status")) == {"00102": "queued",
                                                                                "00201": "failed"}


TENCENT_FORM = {**FORM, "name": "腾讯券", "provider": "tencent", "provider_template_id": "1234567",
                "provider_template_text": "{1}您好，券码{2}，{3}前有效，拒收请回复R",
                "provider_variables": '{"1": "name", "2": "code", "3": "valid_to"}'}


def test_an_enterprise_tencent_account_takes_a_coupon_campaign_as_it_is(manager):
    assert conf.get("SMS_TENCENT_VARIABLE_MAX_LENGTH") == 0  # enterprise accounts: no per-variable limit
    response = manager.post("/coupons/new/", TENCENT_FORM)
    assert response.status_code == 302 and Campaign.objects.get().provider == "tencent"


def test_a_six_character_limit_refuses_a_code_that_would_be_cut(manager, settings):
    settings.SMS_TENCENT_VARIABLE_MAX_LENGTH = 6  # an account whose templates take 6 characters a variable
    response = manager.post("/coupons/new/", TENCENT_FORM)
    assert response.status_code == 200 and not Campaign.objects.exists()
    problems = " ".join(errors_of(response)["provider_variables"])
    assert "2 (code) is 10 characters; the provider takes at most 6" in problems
    assert "3 (valid_to) is 10 characters" in problems
    assert "(name)" not in problems  # a name is cut, not refused


def test_the_preview_shows_the_name_cut_to_the_limit_and_why_the_code_cannot_be(manager, settings):
    settings.SMS_TENCENT_VARIABLE_MAX_LENGTH = 6
    preview = manager.post("/coupons/template-preview/", {
        **TENCENT_FORM, "provider_variables": '{"1": "name", "2": "code"}',
        "provider_template_text": "{1}您好，券码{2}，拒收请回复R"}).content.decode()
    assert "【示例商贸】示例客户名称您好，券码7KQ4M9XR2T" in preview  # the 9-character sample name, cut to 6
    assert "at most 6 characters per variable" in preview
    assert "2 (code) is 10 characters" in preview
