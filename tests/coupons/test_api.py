"""The coupons API: roles, scoping (others' rows are 404), idempotent send, callbacks with a shared secret."""

import pytest
from rest_framework.test import APIClient

from coupons import sms
from coupons.models import CouponIssue, SendRequest
from customers.models import Customer


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


CAMPAIGN = {"name": "新品券", "kind": "face_value", "value": "10.00", "min_spend": "100.00",
            "valid_from": "2025-01-01", "valid_to": "2099-12-31", "sms_template": "{name}:券{code}"}


@pytest.mark.django_db
def test_every_role_lists_campaigns_only_managers_and_admins_create(book, campaign, manager_user):
    sales = client_for(book["sp1"].user)
    assert [c["name"] for c in sales.get("/api/v1/campaigns/").json()["results"]] == ["春季回馈"]
    assert sales.post("/api/v1/campaigns/", CAMPAIGN, format="json").status_code == 403
    assert sales.patch(f"/api/v1/campaigns/{campaign.pk}/", {"name": "x"}, format="json").status_code == 403
    manager = client_for(manager_user)
    created = manager.post("/api/v1/campaigns/", CAMPAIGN, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["value_display"] == "¥10"
    assert created.json()["created_by"] == "manager"


@pytest.mark.django_db
def test_campaign_template_errors_are_field_errors(manager_user):
    response = client_for(manager_user).post("/api/v1/campaigns/", {**CAMPAIGN, "sms_template": "券{coupon}"},
                                             format="json")
    assert response.status_code == 400
    assert "unknown variable {coupon}" in response.json()["sms_template"][0]
    long = {**CAMPAIGN, "sms_template": "长" * 250 + "{code}"}
    assert "SMS segments" in client_for(manager_user).post("/api/v1/campaigns/", long,
                                                           format="json").json()["sms_template"][0]


@pytest.mark.django_db
def test_send_needs_an_idempotency_key_and_replays_it(book, campaign, django_capture_on_commit_callbacks):
    api = client_for(book["sp1"].user)
    url = f"/api/v1/campaigns/{campaign.pk}/send/"
    assert api.post(url, {"codes": ["00101"]}, format="json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(url, {"codes": ["00101", "00201"]}, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert (body["queued"], body["replayed"]) == (1, False)
    assert [(s["code"], s["reason"]) for s in body["skipped"]] == [("00201", "not_found")]
    again = api.post(url, {"codes": ["00101", "00201"]}, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert {**again.json(), "replayed": False} == body
    conflict = api.post(url, {"codes": ["00102"]}, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert conflict.status_code == 422
    assert [m.to for m in sms.outbox] == [book["c1"].mobile]
    assert SendRequest.objects.count() == 1


@pytest.mark.django_db
def test_salesperson_cannot_send_to_or_see_anothers_customer(book, campaign):
    api = client_for(book["sp1"].user)
    url = f"/api/v1/campaigns/{campaign.pk}/send/"
    response = api.post(url, {"codes": ["00201"]}, format="json", HTTP_IDEMPOTENCY_KEY="x1")
    assert response.status_code == 201 and response.json()["queued"] == 0
    assert not CouponIssue.objects.exists()
    # sales2 sends to their own customer; sales1 can neither list nor fetch that row.
    other = client_for(book["sp2"].user)
    other.post(url, {"codes": ["00201"]}, format="json", HTTP_IDEMPOTENCY_KEY="x2")
    issue = CouponIssue.objects.get()
    assert api.get("/api/v1/coupon-issues/").json()["count"] == 0
    assert api.get(f"/api/v1/coupon-issues/{issue.pk}/").status_code == 404
    listed = other.get(f"/api/v1/coupon-issues/?campaign={campaign.pk}&status=queued").json()
    assert [i["customer_code"] for i in listed["results"]] == ["00201"]


@pytest.mark.django_db
def test_preview_endpoint(book, campaign):
    response = client_for(book["sp1"].user).post(f"/api/v1/campaigns/{campaign.pk}/preview/",
                                                 {"codes": ["00101", "00102"]}, format="json")
    body = response.json()
    assert (body["recipients"], body["segments"], body["encoding"]) == (2, 1, "UCS-2")
    assert body["message"].endswith("回T退订")


@pytest.mark.django_db
def test_callbacks_reject_a_bad_or_missing_token(book, settings):
    api = APIClient()
    for url in ("/api/v1/sms/receipts/", "/api/v1/sms/replies/"):
        assert api.post(url, [], format="json").status_code in (401, 403)
        assert api.post(url, [], format="json", HTTP_X_CALLBACK_TOKEN="wrong").status_code in (401, 403)
    settings.SMS_CALLBACK_TOKEN = ""  # not configured: nobody gets in, not even with an empty header
    assert api.post("/api/v1/sms/replies/", {}, format="json", HTTP_X_CALLBACK_TOKEN="").status_code in (401, 403)


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["T", " td ", "Td", "退订", "ＴＤ", "退订。"])
def test_reply_opt_out_words(book, text):
    response = APIClient().post("/api/v1/sms/replies/", {"mobile": book["c1"].mobile, "text": text},
                                format="json", HTTP_X_CALLBACK_TOKEN="callback-secret")
    assert response.json() == {"action": "opt_out", "customers": ["00101"]}
    assert Customer.objects.get(pk=book["c1"].pk).sms_opt_out_at is not None


@pytest.mark.django_db
def test_other_replies_are_logged_without_opt_out(book):
    body = {"mobile": book["c1"].mobile.removeprefix("+86"), "text": "谢谢，收到了，THANKS", "reply_id": "r1"}
    response = APIClient().post("/api/v1/sms/replies/", body, format="json", HTTP_X_CALLBACK_TOKEN="callback-secret")
    assert response.json() == {"action": "none", "customers": []}
    assert Customer.objects.get(pk=book["c1"].pk).sms_opt_out_at is None


@pytest.mark.django_db
def test_delivery_receipts_update_rows_and_settle_unknown(book, campaign, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(book["sp1"].user).post(f"/api/v1/campaigns/{campaign.pk}/send/", {"codes": ["00101", "00102"]},
                                          format="json", HTTP_IDEMPOTENCY_KEY="r")
    c1, c2 = CouponIssue.objects.order_by("customer__code")
    CouponIssue.objects.filter(pk=c2.pk).update(status="unknown", provider_message_id="", sent_at=None)
    receipts = [{"message_id": c1.provider_message_id, "status": "delivered"},
                {"reference": f"coupon-issue-{c2.pk}", "message_id": "gw-late", "status": "undelivered",
                 "error": "handset off"}]
    api = APIClient()
    response = api.post("/api/v1/sms/receipts/", receipts, format="json", HTTP_X_CALLBACK_TOKEN="callback-secret")
    assert response.json() == {"received": 2, "updated": 2}
    c1.refresh_from_db()
    c2.refresh_from_db()
    assert (c1.status, c1.delivered_at is not None) == ("delivered", True)
    assert (c2.status, c2.provider_message_id, c2.error) == ("undelivered", "gw-late", "undelivered: handset off")
    assert c2.sent_at is not None
    # Receipts are idempotent.
    assert api.post("/api/v1/sms/receipts/", receipts[:1], format="json",
                    HTTP_X_CALLBACK_TOKEN="callback-secret").json()["updated"] == 1
    assert CouponIssue.objects.get(pk=c1.pk).status == "delivered"
