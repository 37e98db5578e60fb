"""Preview and send through the service: who is skipped and why, scoping, idempotency, quiet hours."""

import datetime as dt

import pytest
from django.utils import timezone

from coupons import sms
from coupons.models import Campaign, CouponIssue, OutboxEvent, SendRequest
from coupons.services import CouponError, coupon_campaign_send, coupon_issue_send_batch, send_preview
from customers.models import Customer
from customers.selectors import customer_list
from tests.factories import CustomerFactory


def codes_qs(*codes):
    return Customer.objects.filter(code__in=codes)


def skipped(report_or_preview):
    items = report_or_preview.skipped
    return sorted((s["code"], s["reason"]) if isinstance(s, dict) else (s.code, s.reason) for s in items)


@pytest.fixture
def mixed(book):
    """c1 eligible; c2 opted out; plus no mobile and an invalid (too short) number, all owned by sales1."""
    book["c2"].sms_opt_out_at = timezone.now()
    book["c2"].save()
    CustomerFactory(code="00103", owner=book["sp1"], mobile="")
    CustomerFactory(code="00104", owner=book["sp1"], mobile="+861380013800")
    return book


@pytest.mark.django_db
def test_preview_shows_the_message_segments_recipients_and_skips(mixed, campaign):
    user = mixed["sp1"].user
    preview = send_preview(user=user, campaign=campaign, customers_qs=customer_list(user=user))
    assert preview.message.startswith("【示例商贸】天河便利店您好，送您20元优惠券")
    assert preview.message.endswith(" 回T退订")
    assert campaign.valid_to.isoformat() in preview.message
    assert (preview.segments.encoding, preview.segments.count) == ("UCS-2", 1)
    assert preview.recipients == 1
    assert skipped(preview) == [("00102", "opted_out"), ("00103", "no_mobile"), ("00104", "invalid_mobile")]


@pytest.mark.django_db
def test_send_queues_one_row_per_recipient_with_unique_codes_and_an_outbox_event(mixed, campaign):
    user = mixed["sp1"].user
    report = coupon_campaign_send(user=user, campaign=campaign, customers_qs=customer_list(user=user),
                                  idempotency_key="k1")
    assert (report.requested, report.queued) == (4, 1)
    assert skipped(report) == [("00102", "opted_out"), ("00103", "no_mobile"), ("00104", "invalid_mobile")]
    [issue] = CouponIssue.objects.all()
    assert (issue.customer.code, issue.status, issue.mobile) == ("00101", "queued", mixed["c1"].mobile)
    assert len(issue.code) == 10 and issue.code in issue.message
    assert set(issue.code) <= set("23456789ABCDEFGHJKMNPQRSTVWXYZ")
    assert OutboxEvent.objects.get().payload == {"send_request": report.send_request_id}


@pytest.mark.django_db
def test_already_sent_and_daily_cap_are_skipped(book, campaign, settings):
    settings.SMS_DAILY_CAP_PER_MOBILE = 1
    user = book["sp1"].user
    coupon_campaign_send(user=user, campaign=campaign, customers_qs=codes_qs("00101"), idempotency_key="a")
    other = Campaign.objects.create(name="二号", kind="discount", value=15, valid_from=campaign.valid_from,
                                    valid_to=campaign.valid_to, sms_template="券{code}")
    # c2 shares c1's phone: the cap is per number, so c2 is over the cap today.
    Customer.objects.filter(pk=book["c2"].pk).update(mobile=book["c1"].mobile)
    report = coupon_campaign_send(user=user, campaign=other, customers_qs=customer_list(user=user),
                                  idempotency_key="b")
    assert skipped(report) == [("00101", "daily_cap"), ("00102", "daily_cap")]
    again = coupon_campaign_send(user=user, campaign=campaign, customers_qs=codes_qs("00101"), idempotency_key="c")
    assert skipped(again) == [("00101", "already_sent")]
    assert CouponIssue.objects.count() == 1


@pytest.mark.django_db
def test_a_salesperson_cannot_send_to_another_salespersons_customer(book, campaign):
    user = book["sp1"].user
    # The caller passes an unscoped queryset on purpose: the service re-scopes it.
    report = coupon_campaign_send(user=user, campaign=campaign, customers_qs=codes_qs("00101", "00201"),
                                  idempotency_key="k", selection={"codes": ["00101", "00201"]})
    assert report.queued == 1
    assert skipped(report) == [("00201", "not_found")]
    assert list(CouponIssue.objects.values_list("customer__code", flat=True)) == ["00101"]


@pytest.mark.django_db
def test_same_key_replays_the_first_answer_and_a_different_payload_is_refused(book, campaign):
    user = book["sp1"].user
    first = coupon_campaign_send(user=user, campaign=campaign, customers_qs=codes_qs("00101"), idempotency_key="k")
    second = coupon_campaign_send(user=user, campaign=campaign, customers_qs=codes_qs("00101"), idempotency_key="k")
    assert second.replayed and not first.replayed
    assert second.as_dict() == first.as_dict()
    assert SendRequest.objects.count() == 1 and CouponIssue.objects.count() == 1
    with pytest.raises(CouponError, match="different send"):
        coupon_campaign_send(user=user, campaign=campaign, customers_qs=codes_qs("00102"), idempotency_key="k")


@pytest.mark.django_db
def test_expired_or_inactive_campaign_cannot_be_sent(book, campaign):
    campaign.valid_to = timezone.localdate() - dt.timedelta(days=1)
    campaign.valid_from = campaign.valid_to
    campaign.save()
    with pytest.raises(CouponError, match="ended"):
        coupon_campaign_send(user=book["sp1"].user, campaign=campaign, customers_qs=codes_qs("00101"),
                             idempotency_key="k")


@pytest.mark.django_db
def test_confirming_sends_after_commit_and_updates_last_coupon_date(book, campaign,
                                                                      django_capture_on_commit_callbacks):
    user = book["sp1"].user
    with django_capture_on_commit_callbacks(execute=True):
        coupon_campaign_send(user=user, campaign=campaign, customers_qs=customer_list(user=user), idempotency_key="k")
    assert sorted(m.to for m in sms.outbox) == sorted([book["c1"].mobile, book["c2"].mobile])
    rows = CouponIssue.objects.order_by("customer__code")
    assert [r.status for r in rows] == ["sent", "sent"]
    assert all(r.provider_message_id.startswith("locmem-") and r.attempts == 1 and r.sent_at for r in rows)
    assert OutboxEvent.objects.get().dispatched_at is not None
    book["c1"].refresh_from_db()
    assert book["c1"].last_coupon_date == timezone.localdate()
    assert {m.body for m in sms.outbox} == {r.message for r in rows}


def _window_around_now(hours_before: int, hours_after: int) -> str:
    import zoneinfo

    local = timezone.now().astimezone(zoneinfo.ZoneInfo("Asia/Shanghai"))
    start = (local - dt.timedelta(hours=hours_before)).strftime("%H:%M")
    end = (local + dt.timedelta(hours=hours_after)).strftime("%H:%M")
    return f"{start}-{end}"


@pytest.mark.django_db
def test_quiet_hours_hold_marketing_messages_until_the_end_of_the_window(book, campaign, settings, monkeypatch,
                                                                          django_capture_on_commit_callbacks):
    settings.SMS_QUIET_HOURS = _window_around_now(1, 2)
    user = book["sp1"].user
    preview = send_preview(user=user, campaign=campaign, customers_qs=codes_qs("00101"))
    assert preview.held_until_morning
    with django_capture_on_commit_callbacks(execute=True):
        report = coupon_campaign_send(user=user, campaign=campaign, customers_qs=codes_qs("00101"),
                                      idempotency_key="q")
    issue = CouponIssue.objects.get()
    assert issue.status == "queued" and sms.outbox == []
    assert issue.scheduled_for > timezone.now() + dt.timedelta(minutes=100)
    assert report.scheduled_for == issue.scheduled_for.isoformat()
    assert coupon_issue_send_batch().quiet_hours
    later = issue.scheduled_for + dt.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    outcome = coupon_issue_send_batch()
    assert outcome.statuses == {"sent": 1}
    assert len(sms.outbox) == 1


@pytest.mark.django_db
def test_quiet_hours_window_spanning_midnight():
    from django.test import override_settings

    from coupons.sms.limits import in_quiet_hours, next_send_time

    tz = dt.timezone(dt.timedelta(hours=8))
    with override_settings(SMS_QUIET_HOURS="21:00-08:00"):
        late = dt.datetime(2025, 3, 1, 22, 30, tzinfo=tz)
        early = dt.datetime(2025, 3, 2, 7, 59, tzinfo=tz)
        day = dt.datetime(2025, 3, 2, 8, 0, tzinfo=tz)
        assert in_quiet_hours(late) and in_quiet_hours(early) and not in_quiet_hours(day)
        assert next_send_time(late) == dt.datetime(2025, 3, 2, 8, 0, tzinfo=tz)
        assert next_send_time(early) == dt.datetime(2025, 3, 2, 8, 0, tzinfo=tz)
        assert next_send_time(day) == day
