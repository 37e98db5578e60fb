"""Visits through the API and the service: who logged each one, and an outcome is required."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from customers.models import Visit
from customers.services import VisitError, visit_log
from customers.tokens import api_token_issue


@pytest.mark.django_db
def test_api_visit_is_logged_by_the_tokens_user_and_filed_under_the_owner(book, manager_user):
    _token, key = api_token_issue(user=manager_user, name="ERP")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.post("/api/v1/visits/", {"customer": "00101", "date": "2025-03-01", "kind": "phone",
                                            "note": "  约了下周看新品  "})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["salesperson"], body["logged_by"], body["note"]) == ("张三", "manager", "约了下周看新品")
    visit = Visit.objects.get()
    assert (visit.salesperson, visit.logged_by) == (book["sp1"], manager_user)
    assert api.get(f"/api/v1/visits/{visit.pk}/").json()["logged_by"] == "manager"


@pytest.mark.django_db
@pytest.mark.parametrize("note", [None, "", "   "])
def test_api_refuses_a_visit_without_an_outcome(book, note):
    api = APIClient()
    api.force_authenticate(book["sp1"].user)
    data = {"customer": "00101", "date": "2025-03-01", "kind": "phone"}
    if note is not None:
        data["note"] = note
    response = api.post("/api/v1/visits/", data)
    assert response.status_code == 400
    assert list(response.json()) == ["note"]
    assert not Visit.objects.exists()
    book["c1"].refresh_from_db()
    assert book["c1"].last_visit_date is None


@pytest.mark.django_db
def test_service_refuses_a_blank_outcome(book):
    with pytest.raises(VisitError, match="^note: an outcome is required"):
        visit_log(customer=book["c1"], user=book["sp1"].user, date=dt.date(2025, 3, 1), kind="phone", note=" \n")
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_a_visit_added_in_the_back_office_is_logged_by_the_staff_user(client, book):
    from tests.factories import UserFactory

    boss = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(boss)
    response = client.post("/admin/customers/visit/add/", {
        "customer": book["c1"].pk, "salesperson": book["sp1"].pk, "date": "2025-03-01", "kind": "phone",
        "note": "补录", "next_date": ""})
    assert response.status_code == 302, response.content.decode()[:500]
    assert Visit.objects.get().logged_by == boss
