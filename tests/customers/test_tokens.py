"""API keys (issue 17 item 6): only a hash is stored and the key is shown once, keys have a name and an expiry, and a
password change, a deactivation or a role change ends the user's keys and sessions (re-activating brings none back).
"""

import datetime as dt
import hashlib
import importlib

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from customers.models import ApiToken
from customers.services_admin import user_password_set, user_role_set, user_set_active, user_token_create
from customers.tokens import api_token_issue

pytestmark = pytest.mark.django_db
GOOD = "a-Long-and-unusual-passphrase-42"


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_only_a_hash_is_stored_and_the_key_works(book):
    user = book["sp1"].user
    token, key = api_token_issue(user=user, name="ERP 对接")
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in str(stored) and stored["digest"] == hashlib.sha256(key.encode()).hexdigest()
    assert (stored["name"], stored["prefix"]) == ("ERP 对接", key[:8])
    assert with_key(key).get("/api/v1/customers/").status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None
    assert with_key(key[:-1] + ("x" if key[-1] != "x" else "y")).get("/api/v1/customers/").status_code == 401


def test_an_expired_key_is_refused(book):
    _, key = api_token_issue(user=book["sp1"].user, expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = with_key(key).get("/api/v1/customers/", HTTP_ACCEPT_LANGUAGE="en")  # zh-Hans by default
    assert response.status_code == 401 and response.json() == {"detail": "Token expired."}


def test_settings_keys_expire_after_a_year(book, admin_user):
    key = user_token_create(user=book["sp1"].user, by=admin_user)
    token = ApiToken.objects.get(digest=hashlib.sha256(key.encode()).hexdigest())
    assert dt.timedelta(days=364) < token.expires_at - timezone.now() <= dt.timedelta(days=365)


def test_a_password_change_ends_keys_and_sessions(book, admin_user):
    user = book["sp1"].user
    _, key = api_token_issue(user=user)
    session = signed_in(user)
    assert session.get("/customers/").status_code == 200
    user_password_set(user=user, password=GOOD, by=admin_user)
    assert with_key(key).get("/api/v1/customers/").status_code == 401
    assert session.get("/customers/").status_code == 302  # back to the login page


def test_deactivating_ends_keys_and_sessions_and_activating_brings_none_back(book, admin_user):
    user = book["sp1"].user
    _, key = api_token_issue(user=user)
    session = signed_in(user)
    user_set_active(user=user, active=False, by=admin_user)
    user_set_active(user=user, active=True, by=admin_user)
    assert with_key(key).get("/api/v1/customers/").status_code == 401
    assert session.get("/customers/").status_code == 302
    assert signed_in(user).get("/customers/").status_code == 200  # a fresh sign-in works


def test_a_role_change_ends_keys_and_sessions_but_an_unchanged_save_does_not(book, admin_user, regions):
    user = book["sp1"].user
    _, key = api_token_issue(user=user)
    user_role_set(user=user, role="salesperson", salesperson_name="张三", by=admin_user)  # nothing changed
    assert with_key(key).get("/api/v1/customers/").status_code == 200
    session = signed_in(user)
    user_role_set(user=user, role="manager", regions=[regions["north"]], by=admin_user)
    assert with_key(key).get("/api/v1/customers/").status_code == 401
    assert session.get("/customers/").status_code == 302


def test_the_back_office_never_shows_a_key(book, admin_user):
    _, key = api_token_issue(user=book["sp1"].user, name="ERP")
    assert not any(model.__name__ in ("Token", "TokenProxy") for model in admin.site._registry)
    boss = type(admin_user).objects.create_superuser("root", password=GOOD)
    page = signed_in(boss).get("/admin/customers/apitoken/")
    assert page.status_code == 200 and "ERP" in page.content.decode() and key not in page.content.decode()


def test_the_upgrade_hashes_existing_keys_and_drops_the_plain_ones(book):
    user = book["sp1"].user
    old = Token.objects.create(user=user).key
    migration = importlib.import_module("customers.migrations.0005_api_tokens")
    migration.hash_existing_tokens(apps, None)
    assert not Token.objects.exists()
    assert with_key(old).get("/api/v1/customers/").status_code == 200


def test_the_users_api_issues_a_named_key_with_a_term(book, admin_user):
    api = APIClient()
    api.force_authenticate(admin_user)
    user = book["sp1"].user
    created = api.post(f"/api/v1/users/{user.pk}/token/", {"name": "ERP nightly", "days": 30}, format="json")
    assert created.status_code == 201 and created["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=user)
    assert token.name == "ERP nightly" and token.digest == hashlib.sha256(created.json()["key"].encode()).hexdigest()
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    assert api.post(f"/api/v1/users/{user.pk}/token/", {"days": 0}, format="json").status_code == 400


def test_the_users_page_creates_a_named_key_with_the_chosen_term(book):
    """Settings -> Users: the admin names the key and picks its term; the key is shown once, then only its name
    and expiry."""
    import re

    from tests.factories import UserFactory

    root = UserFactory(username="root", role="admin")
    root.set_password(GOOD)
    root.save()
    target = book["sp1"].user
    page = Client()
    assert page.post("/accounts/login/", {"username": "root", "password": GOOD}).status_code == 302
    form = page.get(f"/settings/users/{target.pk}/").content.decode()
    assert 'name="name"' in form and '<option value="30">' in form and '<option value="365" selected>' in form
    assert page.post(f"/settings/users/{target.pk}/token/", {"name": "x", "days": "5"}).status_code == 400
    assert not ApiToken.objects.exists()  # a term not offered creates nothing
    created = page.post(f"/settings/users/{target.pk}/token/", {"name": "ERP nightly", "days": "30"})
    assert created.status_code == 200 and "no-store" in created["Cache-Control"]
    body = created.content.decode()
    key = re.search(r'id="token-key">([^<]+)<', body).group(1)
    token = ApiToken.objects.get(user=target)
    assert token.name == "ERP nightly" and token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    assert f"{timezone.localtime(token.expires_at):%Y-%m-%d}" in body
    assert with_key(key).get("/api/v1/customers/").status_code == 200
    later = page.get(f"/settings/users/{target.pk}/").content.decode()
    assert key not in later and "ERP nightly" in later
    assert f"{timezone.localtime(token.expires_at):%Y-%m-%d}" in later
    # Replacing it: the old key stops working, the new one has the default term of a year.
    page.post(f"/settings/users/{target.pk}/token/", {"name": "ERP v2"})
    assert with_key(key).get("/api/v1/customers/").status_code == 401
    renewed = ApiToken.objects.get(user=target)
    assert renewed.name == "ERP v2" and renewed.expires_at - timezone.now() > dt.timedelta(days=364)
