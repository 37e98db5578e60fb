"""Tencent Cloud SMS against a local fake speaking SMS 2021-01-11 (TC3 signature checked, per-number results)."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from coupons.models import CouponIssue, SmsAlert
from coupons.services import (
    coupon_campaign_send,
    coupon_issue_resolve_unknown,
    coupon_issue_send_batch,
    provider_callbacks,
)
from coupons.sms import INVALID, SENT, SmsMessage, get_backend
from customers.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def queue(user, campaign, customers, key="k"):
    return coupon_campaign_send(user=user, campaign=campaign, idempotency_key=key,
                                customers_qs=Customer.objects.filter(pk__in=[c.pk for c in customers]))


@pytest.fixture
def five(admin_user):
    return [CustomerFactory(name=f"客户{i}号店") for i in range(5)]


def statuses():
    return sorted(CouponIssue.objects.values_list("status", flat=True))


def test_each_coupon_goes_as_a_signed_sendsms_with_its_ordered_variables(tencent, tencent_campaign, five,
                                                                         admin_user):
    queue(admin_user, tencent_campaign, five)
    assert coupon_issue_send_batch().statuses == {"sent": 5}
    assert tencent.bad_signatures == 0
    assert [len(c["numbers"]) for c in tencent.calls] == [1] * 5  # each carries its own code
    rows = {r.mobile: r for r in CouponIssue.objects.all()}
    for record in tencent.records:
        row = rows[record["phone"]]
        assert record["params"] == [row.customer.name, "50", row.code, tencent_campaign.valid_to.isoformat()]
        assert record["context"] == row.batch_ref and row.provider_message_id == record["serial"]
        assert record["template"] == "1234567" and record["sign"] == "示例商贸"
    assert row.message.startswith(f"【示例商贸】{row.customer.name}您好，送您50元优惠券，券码{row.code}")


def test_a_long_shop_name_is_cut_to_the_variable_limit_as_the_preview_shows(tencent, tencent_campaign, admin_user,
                                                                            client):
    long = CustomerFactory(name="广州市天河区某某某某副食品批发商行")
    queue(admin_user, tencent_campaign, [long])
    coupon_issue_send_batch()
    [record] = tencent.records
    assert record["params"][0] == "广州市天河区某某某某副食"  # 12 characters
    assert CouponIssue.objects.get().message.startswith("【示例商贸】广州市天河区某某某某副食您好")
    client.force_login(admin_user)
    preview = client.post("/coupons/template-preview/", {
        "provider": "tencent", "provider_template_text": "{1}您好，券码{2}，拒收请回复R",
        "provider_sign_name": "示例商贸",
        "provider_variables": '{"1": "name", "2": "code"}', "value": "5", "valid_to": "2099-01-01"}).content.decode()
    assert "【示例商贸】示例客户名称十个字您好，券码7KQ4M9XR2T，拒收请回复R" in preview


def test_messages_with_identical_variables_share_one_call_with_per_number_results(tencent, settings):
    tencent.bad_numbers = {"+8613800000002"}
    tencent.throttled_numbers = {"+8613800000003"}
    backend = get_backend("coupons.sms.backends.tencent.SmsBackend")
    msgs = [SmsMessage(to=f"+861380000000{i}", body="x", template="1", sign_name="签", params=["同一个"], batch="b")
            for i in range(1, 5)]
    results = backend.send_messages(msgs)
    assert len(tencent.calls) == 1 and len(tencent.calls[0]["numbers"]) == 4
    assert [r.status for r in results] == [SENT, INVALID, "defer", SENT]
    assert results[0].message_id.startswith("2433:")


def test_a_partial_batch_failure_updates_each_message(tencent, tencent_campaign, five, admin_user):
    tencent.bad_numbers = {five[1].mobile}
    tencent.throttled_numbers = {five[2].mobile}
    queue(admin_user, tencent_campaign, five)
    coupon_issue_send_batch()
    by_customer = {r.customer_id: r for r in CouponIssue.objects.all()}
    assert by_customer[five[1].pk].status == "invalid"
    assert (by_customer[five[2].pk].status, by_customer[five[2].pk].deferrals) == ("queued", 1)
    assert sorted(r.status for r in by_customer.values()) == ["invalid", "queued", "sent", "sent", "sent"]


def test_balance_and_template_errors(tencent, tencent_campaign, five, admin_user):
    tencent.behaviours = ["template"]
    queue(admin_user, tencent_campaign, five[:1])
    coupon_issue_send_batch()
    tencent_campaign.refresh_from_db()
    assert "FailedOperation.TemplateIncorrectOrUnapproved" in tencent_campaign.sms_error
    tencent_campaign.sms_error = ""
    tencent_campaign.save()
    tencent.behaviours = ["balance"]
    coupon_issue_send_batch()
    assert SmsAlert.objects.get().code == "FailedOperation.InsufficientBalanceInSmsPackage"
    assert statuses() == ["queued"] and tencent.records == []


def test_accepted_then_timeout_is_settled_from_the_receipts_without_a_resend(tencent, tencent_campaign, five,
                                                                             admin_user, settings):
    settings.SMS_UNKNOWN_RESOLVE_AFTER = 0
    tencent.behaviours = ["hang:2", "drop"]
    queue(admin_user, tencent_campaign, five[:3])
    coupon_issue_send_batch()
    assert statuses() == ["sent", "unknown", "unknown"]
    assert coupon_issue_resolve_unknown().outcomes == {"delivered": 2}
    assert set(tencent.received().values()) == {1} and len(tencent.received()) == 3


def test_a_message_tencent_never_had_is_resent_once_after_the_receipt_window(tencent, tencent_campaign, five,
                                                                             admin_user, settings):
    settings.SMS_UNKNOWN_RESOLVE_AFTER = 0
    tencent.behaviours = ["500"]
    queue(admin_user, tencent_campaign, five[:1])
    coupon_issue_send_batch()
    assert statuses() == ["unknown"]
    assert coupon_issue_resolve_unknown().outcomes == {"wait": 1}  # receipts may still come
    later = timezone.now() + dt.timedelta(hours=3)
    assert coupon_issue_resolve_unknown(now=later).outcomes == {"resent": 1}
    coupon_issue_send_batch()
    assert statuses() == ["sent"] and tencent.received() == {five[0].mobile: 1}


def test_status_and_reply_callbacks(tencent, tencent_campaign, five, admin_user):
    queue(admin_user, tencent_campaign, five[:2])
    coupon_issue_send_batch()
    client = APIClient()
    assert client.post("/api/v1/sms/tencent/nope/status/", tencent.status_callback(),
                       format="json").status_code == 403
    assert client.post("/api/v1/sms/tencent/callback-secret/other/", [], format="json").status_code == 404
    ok = client.post("/api/v1/sms/tencent/callback-secret/status/", tencent.status_callback(), format="json")
    assert ok.status_code == 200 and ok.json() == {"result": 0, "errmsg": "OK"}
    assert statuses() == ["delivered", "delivered"]
    reply = {"extend": "", "mobile": five[1].mobile[3:], "nationcode": "86", "sign": "示例商贸",
             "text": "请不要再发了，退订", "time": 1765000000}
    assert client.post("/api/v1/sms/tencent/callback-secret/reply/", reply, format="json").status_code == 200
    assert Customer.objects.get(pk=five[1].pk).sms_opt_out_at is not None


def test_a_receipt_with_only_the_providers_id_settles_an_unknown_message(tencent, tencent_campaign, five,
                                                                         admin_user):
    tencent.behaviours = ["hang:2"]
    queue(admin_user, tencent_campaign, five[:1])
    coupon_issue_send_batch()
    assert statuses() == ["unknown"]
    provider_callbacks.tencent_status_apply(tencent.status_callback())
    row = CouponIssue.objects.get()
    assert row.status == "delivered" and row.provider_message_id == tencent.records[0]["serial"]


def test_pulled_receipts_and_replies(tencent, tencent_campaign, five, admin_user):
    queue(admin_user, tencent_campaign, five[:2])
    coupon_issue_send_batch()
    backend = get_backend("coupons.sms.backends.tencent.SmsBackend")
    assert provider_callbacks.tencent_status_apply(backend.pull("PullSmsSendStatus")) == 2
    assert statuses() == ["delivered", "delivered"]
    assert backend.pull("PullSmsSendStatus") == []  # each receipt comes once


def test_the_periodic_pull_drains_receipts_and_replies_through_the_sdk(tencent, tencent_campaign, five, admin_user,
                                                                        settings):
    from coupons.services import sms_pull

    settings.SMS_TENCENT_PULL = True
    queue(admin_user, tencent_campaign, five[:2])
    coupon_issue_send_batch()
    tencent.reply_from(five[0].mobile, "T退订")
    assert sms_pull() == {"receipts": 2, "replies": 1}
    assert statuses() == ["delivered", "delivered"]
    assert Customer.objects.get(pk=five[0].pk).sms_opt_out_at is not None
    assert sms_pull() == {"receipts": 0, "replies": 0}  # each record comes once


def test_a_wrong_secret_fails_tencents_signature_check_and_stops_sending(tencent, tencent_campaign, five,
                                                                         admin_user, settings):
    settings.SMS_TENCENT_SECRET_KEY = "not-the-secret"
    queue(admin_user, tencent_campaign, five[:2])
    coupon_issue_send_batch()
    assert tencent.bad_signatures == 1 and tencent.records == []
    assert statuses() == ["queued", "queued"]  # certainly not sent: held, not failed
    assert SmsAlert.objects.get().code == "AuthFailure.SignatureFailure"
