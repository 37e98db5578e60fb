"""The permission matrix: every settings, override, reassignment and user page and API, for every role.

Admins everything; managers overrides and reassignment (404 for a customer outside their regions); salespeople
and logins without a role 403; anonymous pages go to the login, the anonymous API answers 401/403.
"""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from analytics.models import BackgroundJob
from analytics.services.policies import policy_active

ADMIN, MANAGER = "admin", "manager"
FUTURE = (timezone.localdate() + dt.timedelta(days=10)).isoformat()

# (method, url, data, who may): "admin" = admins only, "manager" = admins and managers.
PAGES = [
    ("get", "/settings/", None, MANAGER),
    ("get", "/settings/grading/", None, ADMIN),
    ("post", "/settings/grading/", {"method": "fixed_amount"}, ADMIN),
    ("post", "/settings/grading/preview/", {"method": "fixed_amount"}, ADMIN),
    ("get", "/settings/grading/history/", None, ADMIN),
    ("post", "/settings/grading/history/{version}/restore/", {}, ADMIN),
    ("post", "/settings/grading/recompute/", {"months": "1"}, ADMIN),
    ("get", "/settings/jobs/{job}/", None, ADMIN),
    ("get", "/settings/customers/00101/override/", None, MANAGER),
    ("post", "/settings/customers/00101/override/", {"grade": "A", "reason": "r", "until": FUTURE}, MANAGER),
    ("post", "/settings/customers/00101/override/clear/", {}, MANAGER),
    ("get", "/settings/reassign/", None, MANAGER),
    ("post", "/settings/reassign/", {"codes": "00101", "to": "{sp2}"}, MANAGER),
    ("get", "/settings/merge/", None, ADMIN),
    ("post", "/settings/merge/", {"survivor": "00101", "merged": "00102"}, ADMIN),
    ("get", "/settings/users/", None, ADMIN),
    ("get", "/settings/users/new/", None, ADMIN),
    ("post", "/settings/users/new/", {"username": "x"}, ADMIN),
    ("get", "/settings/users/{user}/", None, ADMIN),
    ("post", "/settings/users/{user}/", {"role": "manager"}, ADMIN),
    ("post", "/settings/users/{user}/password/", {"password1": "Tian-He-2025!", "password2": "Tian-He-2025!"}, ADMIN),
    ("post", "/settings/users/{user}/token/", {}, ADMIN),
    ("post", "/settings/users/{user}/token/revoke/", {}, ADMIN),
    ("post", "/settings/users/{user}/deactivate/", {}, ADMIN),
    ("post", "/settings/users/{user}/activate/", {}, ADMIN),
]

APIS = [
    ("get", "/api/v1/customer-overrides/00101/", None, MANAGER),
    ("put", "/api/v1/customer-overrides/00101/", {"grade": "B", "reason": "r", "until": FUTURE}, MANAGER),
    ("delete", "/api/v1/customer-overrides/00101/", None, MANAGER),
    ("post", "/api/v1/reassignments/", {"customers": ["00101"], "to_salesperson": "李四"}, MANAGER),
    ("post", "/api/v1/customer-merges/", {"survivor": "00101", "merged": "00102"}, ADMIN),
    ("get", "/api/v1/users/", None, ADMIN),
    ("post", "/api/v1/users/", {"username": "x", "password": "Tian-He-2025!"}, ADMIN),
    ("get", "/api/v1/users/{user}/", None, ADMIN),
    ("patch", "/api/v1/users/{user}/", {"first_name": "x"}, ADMIN),
    ("post", "/api/v1/users/{user}/password/", {"password": "Tian-He-2025!"}, ADMIN),
    ("post", "/api/v1/users/{user}/token/", None, ADMIN),
    ("delete", "/api/v1/users/{user}/token/", None, ADMIN),
    ("post", "/api/v1/users/{user}/deactivate/", {}, ADMIN),
    ("post", "/api/v1/users/{user}/activate/", None, ADMIN),
]

ROLES = ["admin", "manager", "south_manager", "salesperson", "nobody"]


@pytest.fixture
def people(book, admin_user, manager_user, south_manager, nobody):
    book["c1"].__class__.objects.filter(code__in=["00101", "00201"]).update(
        override_grade="B", override_reason="r", override_until=dt.date(2099, 1, 1))
    target = nobody.__class__.objects.create_user("target", password="x")
    job = BackgroundJob.objects.create(kind="policy_recompute", total=1)
    return {"admin": admin_user, "manager": manager_user, "south_manager": south_manager,
            "salesperson": book["sp1"].user, "nobody": nobody,
            "fill": {"version": policy_active().version, "job": job.pk, "user": target.pk, "sp2": book["sp2"].pk}}


def fill(text, values):
    return text.format(**values) if isinstance(text, str) else text


def allowed(role, who):
    if role == "admin":
        return True
    return who == MANAGER and role in ("manager", "south_manager")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "data", "who"), PAGES, ids=[f"{m} {u}" for m, u, _, _ in PAGES])
def test_pages(client, people, role, method, url, data, who):
    client.force_login(people[role])
    url = fill(url, people["fill"])
    data = {k: fill(v, people["fill"]) for k, v in (data or {}).items()}
    response = getattr(client, method)(url, data)
    if allowed(role, who):
        assert response.status_code not in (403, 404, 405), response.content[:500]
    else:
        assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url", "data", "who"), PAGES, ids=[f"{m} {u}" for m, u, _, _ in PAGES])
def test_pages_send_the_anonymous_to_the_login(client, people, method, url, data, who):
    response = getattr(client, method)(fill(url, people["fill"]), data or {})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "data", "who"), APIS, ids=[f"{m} {u}" for m, u, _, _ in APIS])
def test_apis(people, role, method, url, data, who):
    api = APIClient()
    api.force_authenticate(people[role])
    response = getattr(api, method)(fill(url, people["fill"]), data, format="json")
    if allowed(role, who):
        assert response.status_code < 400 or response.status_code == 404 and "token" in url, response.content[:500]
    else:
        assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url", "data", "who"), APIS, ids=[f"{m} {u}" for m, u, _, _ in APIS])
def test_apis_refuse_the_anonymous(people, method, url, data, who):
    response = getattr(APIClient(), method)(fill(url, people["fill"]), data, format="json")
    assert response.status_code in (401, 403)


OUTSIDE = [  # 00201 is in 北京: outside the south manager's regions
    ("get", "/settings/customers/00201/override/", None),
    ("post", "/settings/customers/00201/override/", {"grade": "A", "reason": "r", "until": FUTURE}),
    ("post", "/settings/customers/00201/override/clear/", {}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url", "data"), OUTSIDE)
def test_a_customer_outside_a_managers_scope_is_404(client, people, method, url, data):
    client.force_login(people["south_manager"])
    assert getattr(client, method)(url, data or {}).status_code == 404
    client.force_login(people["manager"])  # an unrestricted manager sees it
    assert getattr(client, method)(url, data or {}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_override_api_outside_scope_is_404(people, method):
    api = APIClient()
    api.force_authenticate(people["south_manager"])
    data = {"grade": "B", "reason": "r", "until": FUTURE}
    assert getattr(api, method)("/api/v1/customer-overrides/00201/", data, format="json").status_code == 404
    assert api.post("/api/v1/reassignments/", {"customers": ["00201"], "to_salesperson": "张三"},
                    format="json").status_code == 404


@pytest.mark.django_db
def test_unknown_customer_is_404_even_for_admins(client, people):
    client.force_login(people["admin"])
    assert client.get("/settings/customers/NOPE/override/").status_code == 404
