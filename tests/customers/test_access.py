"""Every page and API needs a login; the API is scoped like everything else."""

import pytest
from rest_framework.test import APIClient

from customers.models import Customer
from customers.tokens import api_token_issue


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/api/docs/"])
def test_pages_redirect_anonymous_to_login(client, path):
    response = client.get(path)
    assert response.status_code in (302, 401, 403)
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/customers/", "/api/v1/visits/", "/api/schema/"])
def test_api_refuses_anonymous(path):
    assert APIClient().get(path).status_code in (401, 403)


@pytest.mark.django_db
def test_login_page_is_open_and_healthz_answers(client):
    from analytics.services.health import heartbeat_record
    from tests.config.test_health import beat_sent

    heartbeat_record(worker="celery@test")  # /healthz is ok only with a live worker and beat (test_health.py)
    beat_sent()
    assert client.get("/accounts/login/").status_code == 200
    response = client.get("/healthz")
    assert (response.status_code, response.content.splitlines()[0]) == (200, b"ok")


@pytest.mark.django_db
def test_api_customer_list_is_scoped_for_a_salesperson(book):
    api = APIClient()
    api.force_authenticate(book["sp1"].user)
    body = api.get("/api/v1/customers/").json()
    assert [row["code"] for row in body["results"]] == ["00101", "00102"]
    assert api.get("/api/v1/customers/00201/").status_code == 404
    assert api.get("/api/v1/customers/?search=朝阳").json()["count"] == 0


@pytest.mark.django_db
def test_token_auth_and_regional_scope(book, south_manager):
    key = api_token_issue(user=south_manager)[1]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    body = api.get("/api/v1/customers/?ordering=code").json()
    assert [row["code"] for row in body["results"]] == ["00101", "00102", "00202"]
    assert api.get("/api/v1/customers/?region=北京").json()["count"] == 0


@pytest.mark.django_db
def test_visit_logging_is_scoped(book):
    api = APIClient()
    api.force_authenticate(book["sp1"].user)
    ok = api.post("/api/v1/visits/", {"customer": "00101", "date": "2025-03-01", "kind": "phone", "note": "问补货"})
    assert ok.status_code == 201, ok.content
    assert ok.json()["salesperson"] == "张三"
    book["c1"].refresh_from_db()
    assert str(book["c1"].last_visit_date) == "2025-03-01"
    other = api.post("/api/v1/visits/", {"customer": "00201", "date": "2025-03-01", "kind": "phone", "note": "x"})
    assert other.status_code == 404
    assert other.json() == {"detail": "no such customer: 00201"}


@pytest.mark.django_db
def test_home_shows_only_own_book(client, book):
    client.force_login(book["sp1"].user)
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["counts"]["customers"] is True  # not the "no data yet" state
    scope = response.context["scope"]
    assert sorted(Customer.objects.filter(scope.rule()).values_list("code", flat=True)) == ["00101", "00102"]


@pytest.mark.django_db
def test_admin_changelist_is_scoped_for_staff_salesperson(client, book):
    user = book["sp1"].user
    user.is_staff = True
    user.save()
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(user)
    response = client.get("/admin/customers/customer/")
    assert response.status_code == 200
    shown = sorted(c.code for c in response.context["cl"].result_list)
    assert shown == ["00101", "00102"]
    assert client.get(f"/admin/customers/customer/{book['c3'].pk}/change/").status_code in (302, 404)
