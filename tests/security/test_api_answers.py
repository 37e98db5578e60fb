"""Smaller API answers of issue 17 item 9: a bad token is a 401 with its challenge, a blank period is no period."""

from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from tests.security.conftest import World


def api(world: World, actor: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[actor]}")
    return client


def test_a_bad_or_missing_token_is_a_401_with_the_challenge(world):
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    for client in (bad, APIClient()):
        response = client.get("/api/v1/customers/")
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
    # A signed-in role that may not is still a 403.
    assert api(world, "sales1").get("/api/v1/snapshot-runs/").status_code == 403


def test_a_blank_period_means_the_latest_one(world):
    client = api(world, "admin")
    detail = client.get("/api/v1/snapshots/00101/?period=%20")
    assert detail.status_code == 200 and detail.json()["period"] == "2025-03"
    listed = client.get("/api/v1/snapshots/?period=%20").json()["results"]
    assert {row["period"] for row in listed} == {"2025-03"}


def test_more_than_a_thousand_multipart_codes_get_a_json_400(world):
    client = api(world, "sales1")
    codes = [f"C{n:05d}" for n in range(1100)]
    response = client.post(f"/api/v1/campaigns/{world.campaign.pk}/preview/", {"codes": codes}, format="multipart")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "too many form fields: send long lists (such as codes) as a JSON body"}


@override_settings(API_RATES={"anon": "1/minute", "user": "5/minute", "token": "2/minute"})
def test_the_api_is_rate_limited_per_token_and_per_user(world):
    cache.clear()
    token = api(world, "sales1")
    assert [token.get("/api/v1/customers/").status_code for _ in range(3)] == [200, 200, 429]
    assert int(token.get("/api/v1/customers/")["Retry-After"]) > 0
    # The same user without the token: what is left of the user's allowance (the four token calls counted as theirs).
    session = APIClient()
    session.force_login(world.users["sales1"])
    assert [session.get("/api/v1/customers/").status_code for _ in range(2)] == [200, 429]
    other = api(world, "sales2")  # someone else is not held back
    assert other.get("/api/v1/customers/").status_code == 200
    cache.clear()
