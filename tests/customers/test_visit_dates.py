"""Future visit dates are refused (issue 17 item 7): a visit dated 2999-01-01 got in through the API, after which
the customer's last visit never moved back. The limit is tomorrow in the site's time zone (customers.dates), and
"last visit" is derived from the visits, so removing a wrong one moves it back."""

import datetime as dt
from unittest import mock

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from customers.dates import latest_event_date
from customers.models import Customer, Visit
from customers.services import VisitError, customer_last_visit_refresh, visit_log

pytestmark = pytest.mark.django_db


def days(n: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


def test_the_limit_is_tomorrow_in_the_sites_time_zone():
    # 2026-03-01 20:00 UTC is already 2026-03-02 04:00 in Shanghai: tomorrow there is 03-03.
    with override_settings(TIME_ZONE="Asia/Shanghai"):
        moment = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)
        with mock.patch("django.utils.timezone.now", return_value=moment):
            assert latest_event_date() == dt.date(2026, 3, 3)


def test_visit_api_refuses_a_future_date_and_keeps_last_visit(book):
    api = APIClient()
    api.force_authenticate(book["sp1"].user)
    call = {"customer": "00101", "kind": "phone", "note": "回访"}
    refused = api.post("/api/v1/visits/", {**call, "date": "2999-01-01"}, format="json")
    assert refused.status_code == 400
    # The service's VisitError answers under its field, like a serializer's own error (config/api_errors.py).
    assert refused.json()["date"][0].startswith("2999-01-01 is in the future")
    assert not Visit.objects.exists() and Customer.objects.get(code="00101").last_visit_date is None
    ok = api.post("/api/v1/visits/", {**call, "date": days(1)}, format="json")
    assert ok.status_code == 201
    assert Customer.objects.get(code="00101").last_visit_date == timezone.localdate() + dt.timedelta(days=1)


def test_last_visit_is_derived_from_the_visits(book):
    customer = book["c1"]
    visit_log(customer=customer, user=book["sp1"].user, date=dt.date(2025, 3, 1), kind="onsite", note="谈了新品")
    # A wrong date written before the rule (or by the back office) and then removed: last visit moves back.
    wrong = Visit.objects.create(customer=customer, date=dt.date(2999, 1, 1))
    customer_last_visit_refresh(customer_ids=[customer.pk])
    assert Customer.objects.get(pk=customer.pk).last_visit_date == dt.date(2999, 1, 1)
    wrong.delete()
    visit_log(customer=customer, user=book["sp1"].user, date=dt.date(2025, 2, 1), kind="phone", note="谈了新品")
    assert Customer.objects.get(pk=customer.pk).last_visit_date == dt.date(2025, 3, 1)
    with pytest.raises(VisitError, match="date: 2999-01-01 is in the future"):
        visit_log(customer=customer, user=book["sp1"].user, date=dt.date(2999, 1, 1), kind="phone", note="谈了新品")


def test_back_office_forms_refuse_a_future_visit(book):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        Visit(customer=book["c1"], date=dt.date(2999, 1, 1)).full_clean()
    assert refused.value.message_dict["date"][0].startswith("2999-01-01 is in the future")
    Visit(customer=book["c1"], date=timezone.localdate() + dt.timedelta(days=1)).full_clean()
