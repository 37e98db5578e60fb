"""What schemathesis found the API accepting against its schema (issue 17 item 10), pinned as plain examples."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient


@pytest.fixture
def api(book, admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", ["garbage", "name\x00", "code,", "-mobile"])
def test_an_unknown_ordering_is_refused(api, ordering):
    response = api.get("/api/v1/customers/", {"ordering": ordering})
    assert response.status_code == 400
    assert list(response.json()) == ["ordering"]


@pytest.mark.django_db
def test_a_known_ordering_sorts(api):
    response = api.get("/api/v1/customers/", {"ordering": "-name,code"})
    assert response.status_code == 200
    names = [row["name"] for row in response.json()["results"]]
    assert names == sorted(names, reverse=True) and len(names) == 4


@pytest.mark.django_db
def test_the_schema_lists_the_orderings():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = schema["paths"]["/api/v1/visits/"]["get"]["parameters"]
    ordering = next(p for p in parameters if p["name"] == "ordering")
    assert (ordering["style"], ordering["explode"]) == ("form", False)
    assert ordering["schema"]["items"]["enum"] == ["date", "-date", "created_at", "-created_at"]


@pytest.mark.django_db
def test_a_number_is_not_a_string(api, settings):
    settings.SMS_CALLBACK_TOKEN = "callback-secret"
    client = APIClient()
    reply = client.post("/api/v1/sms/replies/", {"mobile": 13800000000, "text": "T"}, format="json",
                        HTTP_X_CALLBACK_TOKEN="callback-secret")
    assert reply.status_code == 400 and list(reply.json()) == ["mobile"]
    visit = api.post("/api/v1/visits/", {"customer": 101, "date": "2025-03-01", "note": "x"}, format="json")
    assert visit.status_code == 400 and list(visit.json()) == ["customer"]


@pytest.mark.django_db
def test_a_reference_to_nothing_is_a_404(api):
    visit = api.post("/api/v1/visits/", {"customer": "nope", "date": "2025-03-01", "note": "x"}, format="json")
    assert visit.status_code == 404 and visit.json() == {"detail": "no such customer: nope"}
