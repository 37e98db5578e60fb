"""Aliyun SMS against a local fake speaking dysmsapi 2017-05-25 (signature checked, per-call BizId, query)."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from coupons.models import Campaign, CouponIssue, SmsAlert
from coupons.selectors import sms_health
from coupons.services import (
    coupon_campaign_send,
    coupon_issue_expire_stale,
    coupon_issue_resolve_unknown,
    coupon_issue_send_batch,
    sms_alert_clear,
)
from coupons.sms import BLOCKED, DEFER, HALT, SENT, UNKNOWN, SmsMessage, get_backend
from customers.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def queue(user, campaign, customers, key="k"):
    return coupon_campaign_send(user=user, campaign=campaign, idempotency_key=key,
                                customers_qs=Customer.objects.filter(pk__in=[c.pk for c in customers]))


@pytest.fixture
def ten(admin_user):
    return [CustomerFactory(name=f"客户{i}号便利店") for i in range(10)]


def statuses():
    return sorted(CouponIssue.objects.values_list("status", flat=True))


def test_a_batch_goes_as_one_signed_sendbatchsms_with_each_customers_variables(aliyun, aliyun_campaign, ten,
                                                                               admin_user):
    queue(admin_user, aliyun_campaign, ten)
    outcome = coupon_issue_send_batch()
    assert outcome.statuses == {"sent": 10}
    [call] = aliyun.calls
    assert call["action"] == "SendBatchSms" and len(call["numbers"]) == 10
    assert aliyun.bad_signatures == 0
    rows = {r.mobile: r for r in CouponIssue.objects.all()}
    for record in aliyun.records:
        row = rows["+86" + record["phone"]]
        assert record["params"] == {"name": row.customer.name, "value": "50", "code": row.code,
                                    "valid_to": aliyun_campaign.valid_to.isoformat()}
        assert record["sign"] == "示例商贸" and record["template"] == "SMS_123456789"
        assert record["out_id"] == row.batch_ref and row.provider_message_id == record["biz_id"]
    # What the customer reads is the approved text filled in, signature first.
    row = next(iter(rows.values()))
    assert row.message == (f"【示例商贸】{row.customer.name}您好，送您50元优惠券，券码{row.code}，"
                           f"{aliyun_campaign.valid_to.isoformat()}前有效，回T退订")


def test_one_message_goes_as_sendsms(aliyun, aliyun_campaign, ten, admin_user):
    queue(admin_user, aliyun_campaign, ten[:1])
    coupon_issue_send_batch()
    assert [c["action"] for c in aliyun.calls] == ["SendSms"]
    assert statuses() == ["sent"]


def test_a_wrong_secret_is_refused_by_the_signature_check_and_stops_sending(aliyun, aliyun_campaign, ten,
                                                                            admin_user, settings):
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"
    queue(admin_user, aliyun_campaign, ten[:3])
    coupon_issue_send_batch()
    assert aliyun.bad_signatures == 1 and aliyun.records == []
    assert statuses() == ["queued"] * 3  # certainly not sent: held, not failed
    assert SmsAlert.objects.get().code == "SignatureDoesNotMatch"


def test_throttling_puts_the_batch_back_for_later_with_backoff(aliyun, aliyun_campaign, ten, admin_user):
    aliyun.behaviours = ["throttle"]
    queue(admin_user, aliyun_campaign, ten[:3])
    before = timezone.now()
    assert coupon_issue_send_batch().statuses == {"queued": 3}
    rows = list(CouponIssue.objects.all())
    assert {(r.status, r.deferrals) for r in rows} == {("queued", 1)}
    assert all(r.scheduled_for >= before + dt.timedelta(seconds=60) for r in rows)
    assert "isv.BUSINESS_LIMIT_CONTROL" in rows[0].error
    assert coupon_issue_send_batch().claimed == 0  # not due yet
    CouponIssue.objects.update(scheduled_for=timezone.now())
    assert coupon_issue_send_batch().statuses == {"sent": 3}
    assert sum(aliyun.received().values()) == 3


def test_throttled_past_the_last_backoff_step_fails(aliyun, aliyun_campaign, ten, admin_user, settings):
    settings.SMS_DEFER_BACKOFF = "60"
    aliyun.default = "throttle"
    queue(admin_user, aliyun_campaign, ten[:1])
    coupon_issue_send_batch()
    CouponIssue.objects.update(scheduled_for=timezone.now())
    coupon_issue_send_batch()
    row = CouponIssue.objects.get()
    assert row.status == "failed" and "gave up after 2 tries" in row.error


def test_a_template_error_holds_the_campaign_with_a_message_and_saving_resumes(aliyun, aliyun_campaign, ten,
                                                                             admin_user, client):
    from coupons.services import campaign_update

    aliyun.behaviours = ["template"]
    queue(admin_user, aliyun_campaign, ten[:2])
    coupon_issue_send_batch()
    aliyun_campaign.refresh_from_db()
    assert "isv.SMS_TEMPLATE_ILLEGAL" in aliyun_campaign.sms_error
    assert "save the campaign to resume" in aliyun_campaign.sms_error
    assert statuses() == ["queued", "queued"]
    assert coupon_issue_send_batch().claimed == 0  # held
    client.force_login(admin_user)
    assert "isv.SMS_TEMPLATE_ILLEGAL" in client.get(f"/coupons/{aliyun_campaign.pk}/").content.decode()
    campaign_update(user=admin_user, campaign=aliyun_campaign, provider_template_id="SMS_987654321")
    assert coupon_issue_send_batch().statuses == {"sent": 2}


def test_an_exhausted_balance_stops_every_send_and_alerts_until_cleared(aliyun, aliyun_campaign, ten, admin_user,
                                                                        client):
    aliyun.behaviours = ["balance"]
    queue(admin_user, aliyun_campaign, ten[:4])
    coupon_issue_send_batch()
    assert statuses() == ["queued"] * 4
    health = sms_health()
    assert health["ok"] is False and health["alerts"][0]["code"] == "isv.AMOUNT_NOT_ENOUGH"
    client.force_login(admin_user)
    assert "isv.AMOUNT_NOT_ENOUGH" in client.get("/coupons/").content.decode()
    assert coupon_issue_send_batch().claimed == 0
    sms_alert_clear(user=admin_user, alert=SmsAlert.objects.get())
    assert sms_health()["ok"] is True
    assert coupon_issue_send_batch().statuses == {"sent": 4}


def test_an_illegal_number_is_invalid(aliyun, aliyun_campaign, ten, admin_user):
    aliyun.behaviours = ["invalid"]
    queue(admin_user, aliyun_campaign, ten[:1])
    coupon_issue_send_batch()
    assert statuses() == ["invalid"]


def test_accepted_then_timeout_makes_the_batch_unknown_and_the_query_settles_it_without_a_resend(
        aliyun, aliyun_campaign, ten, admin_user, settings):
    settings.SMS_UNKNOWN_RESOLVE_AFTER = 0
    aliyun.behaviours = ["hang:2"]
    queue(admin_user, aliyun_campaign, ten[:5])
    coupon_issue_send_batch()
    assert statuses() == ["unknown"] * 5
    assert coupon_issue_send_batch().claimed == 0  # never resent blindly
    result = coupon_issue_resolve_unknown()
    assert result.outcomes == {"delivered": 5}
    assert statuses() == ["delivered"] * 5
    assert set(aliyun.received().values()) == {1} and len(aliyun.received()) == 5


def test_a_500_is_unknown_and_a_message_the_provider_never_had_is_resent_once(aliyun, aliyun_campaign, ten,
                                                                            admin_user, settings):
    settings.SMS_UNKNOWN_RESOLVE_AFTER = 0
    aliyun.behaviours = ["500"]  # answered 500 and recorded nothing
    queue(admin_user, aliyun_campaign, ten[:3])
    coupon_issue_send_batch()
    assert statuses() == ["unknown"] * 3
    # Too early to conclude from "no record": wait.
    assert coupon_issue_resolve_unknown().outcomes == {"wait": 3}
    later = timezone.now() + dt.timedelta(minutes=10)
    assert coupon_issue_resolve_unknown(now=later).outcomes == {"resent": 3}
    assert coupon_issue_send_batch().statuses == {"sent": 3}
    assert set(aliyun.received().values()) == {1}
    assert set(CouponIssue.objects.values_list("resends", flat=True)) == {1}


def test_dropped_connections_before_and_after_reading_end_with_each_customer_once(aliyun, aliyun_campaign, ten,
                                                                                  admin_user, settings):
    settings.SMS_UNKNOWN_RESOLVE_AFTER = 0
    settings.SMS_ALIYUN_BATCH_SIZE = 3
    settings.SMS_DEFER_BACKOFF = "0"
    aliyun.behaviours = ["drop", "drop-early", "ok", "drop"]
    queue(admin_user, aliyun_campaign, ten)
    for _round in range(4):
        coupon_issue_send_batch()
        coupon_issue_resolve_unknown(now=timezone.now() + dt.timedelta(minutes=10))
    assert set(statuses()) <= {"sent", "delivered"} and len(statuses()) == 10
    assert aliyun.received() == {c.mobile[3:]: 1 for c in ten}  # 0 duplicates, 0 lost


def test_a_worker_killed_after_the_claim_leaves_unknown_which_is_settled_by_resending_once(aliyun, aliyun_campaign,
                                                                                         ten, admin_user, settings):
    from coupons.services.worker import _claim_batch

    settings.SMS_UNKNOWN_RESOLVE_AFTER = 0
    queue(admin_user, aliyun_campaign, ten[:4])
    claimed = _claim_batch("dead-worker", None, lambda provider: 100)  # claimed, committed, then killed
    assert len(claimed) == 4 and aliyun.calls == []
    coupon_issue_expire_stale(older_than=0)
    assert statuses() == ["unknown"] * 4
    coupon_issue_resolve_unknown(now=timezone.now() + dt.timedelta(minutes=10))
    assert coupon_issue_send_batch().statuses == {"sent": 4}
    assert set(aliyun.received().values()) == {1} and len(aliyun.received()) == 4


def test_receipts_and_replies_pushed_by_aliyun(aliyun, aliyun_campaign, ten, admin_user, settings):
    queue(admin_user, aliyun_campaign, ten[:3])
    coupon_issue_send_batch()
    client = APIClient()
    bad = client.post("/api/v1/sms/aliyun/wrong-secret/report/", aliyun.report(), format="json")
    assert bad.status_code == 403 and statuses() == ["sent"] * 3
    shape = client.post("/api/v1/sms/aliyun/callback-secret/report/", [{"hello": 1}], format="json")
    assert shape.status_code == 400 and statuses() == ["sent"] * 3
    ok = client.post("/api/v1/sms/aliyun/callback-secret/report/", aliyun.report(), format="json")
    assert ok.status_code == 200 and ok.json() == {"code": 0, "msg": "成功"}
    assert statuses() == ["delivered"] * 3
    up = [{"phone_number": ten[0].mobile[3:], "send_time": "2026-12-07 10:00:00", "content": "回T退订",
           "sign_name": "示例商贸", "dest_code": "1234", "sequence_id": 991}]
    assert client.post("/api/v1/sms/aliyun/callback-secret/up/", up, format="json").status_code == 200
    assert Customer.objects.get(pk=ten[0].pk).sms_opt_out_at is not None
    assert client.post("/api/v1/sms/aliyun/callback-secret/up/", up, format="json").status_code == 200  # replayed


def test_the_backend_results_directly(aliyun):
    backend = get_backend("coupons.sms.backends.aliyun.SmsBackend")
    msg = SmsMessage(to="+8613800138000", body="x", template="SMS_1", sign_name="签", params={"code": "X"},
                     batch="b1")
    for behaviour, status in (("ok", SENT), ("throttle", DEFER), ("template", BLOCKED), ("balance", HALT),
                              ("hang:2", UNKNOWN), ("500", UNKNOWN)):
        aliyun.behaviours = [behaviour]
        assert backend.send_messages([msg])[0].status == status, behaviour
    assert Campaign.objects.count() == 0
