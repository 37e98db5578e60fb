"""Login throttling: five failures lock the username (and the address) for a while."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="en")
def test_five_failures_lock_the_account_even_with_the_right_password(client):
    UserFactory(username="sales9", role="salesperson")
    for _ in range(5):
        assert client.post("/accounts/login/", {"username": "sales9", "password": "wrong"}).status_code == 200
    locked = client.post("/accounts/login/", {"username": "sales9", "password": "pw"})
    assert locked.status_code == 429
    assert locked.context["form"].non_field_errors() == [
        "Too many failed attempts. Wait 15 minutes and try again."
    ]
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_success_resets_the_counter(client):
    UserFactory(username="sales8", role="salesperson")
    for _ in range(4):
        client.post("/accounts/login/", {"username": "sales8", "password": "wrong"}, REMOTE_ADDR="10.0.0.8")
    ok = client.post("/accounts/login/", {"username": "sales8", "password": "pw"}, REMOTE_ADDR="10.0.0.8")
    assert ok.status_code == 302
    assert cache.get("login-fail:user:sales8") is None
