"""Sign-in throttling (issue 17 items 3 and 4, django-axes; customers/login.py): a username from one address is
locked after 5 failures, an address after 50 over any usernames, both logins count together, failures live in the
database (no cache, no Redis), the client's address comes from a set number of trusted proxies, and the page says
the account is throttled, until when, with the typed username kept."""

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from customers.login import client_address
from tests.factories import UserFactory

LOGIN, ADMIN_LOGIN = "/accounts/login/", "/admin/login/"
NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def attempt(client: Client, username: str, password: str, *, address: str = "10.0.0.1", url: str = LOGIN,
            **extra: str):
    return client.post(url, {"username": username, "password": password, "next": "/"}, REMOTE_ADDR=address,
                       HTTP_ACCEPT_LANGUAGE="en", **extra)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def staff(db):
    return UserFactory(username="boss", role="admin", is_staff=True, is_superuser=True)


@pytest.mark.django_db
def test_five_failures_lock_the_account_from_that_address_even_with_the_right_password(client):
    UserFactory(username="sales9", role="salesperson")
    for _ in range(4):
        assert attempt(client, "sales9", "wrong").status_code == 200
    assert attempt(client, "sales9", "wrong").status_code == 429  # the fifth failure locks
    before = timezone.now()
    locked = attempt(client, "sales9", "pw")
    assert locked.status_code == 429 and not signed_in(client)
    body = locked.content.decode()
    # The page says the account is locked and until when (the last failure + 15 minutes, site time), and keeps the
    # typed username; not "wrong password".
    until = re.search(r"this account is locked from your address until (\d{4}-\d{2}-\d{2} \d{2}:\d{2})", body)
    assert until, body
    expected = timezone.localtime(AccessAttempt.objects.get(username="sales9").attempt_time
                                  + dt.timedelta(minutes=15))
    assert until.group(1) == f"{expected:%Y-%m-%d %H:%M}" and expected > before
    assert 'value="sales9"' in body and "didn't match" not in body
    assert 0 < int(locked["Retry-After"]) <= 15 * 60


@pytest.mark.django_db
def test_a_locked_account_still_signs_in_from_another_address(client):
    """The lockout no longer locks out anyone: an attacker's failures elsewhere do not shut the real user out."""
    UserFactory(username="sales9", role="salesperson")
    for _ in range(6):
        attempt(client, "sales9", "wrong", address="203.0.113.66")
    assert attempt(client, "sales9", "pw", address="203.0.113.66").status_code == 429
    ok = attempt(Client(), "sales9", "pw", address="10.0.0.7")
    assert ok.status_code == 302


@pytest.mark.django_db
def test_admin_login_is_throttled_and_counts_with_the_main_login(staff):
    client = Client()
    for _ in range(3):
        attempt(client, "boss", "wrong", url=ADMIN_LOGIN)
    for _ in range(2):
        attempt(client, "boss", "wrong", url=LOGIN)
    for url in (ADMIN_LOGIN, LOGIN):
        refused = attempt(client, "boss", "pw", url=url)
        assert refused.status_code == 429 and not signed_in(client), url
        assert 'value="boss"' in refused.content.decode()
    # 30 wrong passwords then the right one on /admin/login/ (the tester's probe): refused.
    other = Client()
    for _ in range(30):
        attempt(other, "boss", "wrong", url=ADMIN_LOGIN, address="10.9.9.9")
    assert attempt(other, "boss", "pw", url=ADMIN_LOGIN, address="10.9.9.9").status_code == 429
    assert not signed_in(other)


@pytest.mark.django_db
def test_success_forgets_the_users_failures_from_that_address_only(client):
    UserFactory(username="sales8", role="salesperson")
    for _ in range(4):
        attempt(client, "sales8", "wrong", address="10.0.0.8")
    attempt(client, "nobody", "wrong", address="10.0.0.8")
    assert attempt(client, "sales8", "pw", address="10.0.0.8").status_code == 302
    left = set(AccessAttempt.objects.values_list("username", "failures_since_start"))
    assert left == {("nobody", 1)}  # the address's other failures still count toward its own limit


@pytest.mark.django_db
def test_colleagues_behind_one_address_are_not_locked_by_each_others_failures():
    for n in range(10):
        UserFactory(username=f"clerk{n}", role="salesperson")
    office = Client()
    for n in range(10):  # 30 failures from one NAT address, 3 per person: under both limits
        for _ in range(3):
            attempt(office, f"clerk{n}", "wrong", address="198.51.100.1")
    assert attempt(office, "clerk0", "pw", address="198.51.100.1").status_code == 302


@pytest.mark.django_db
def test_password_spraying_from_one_address_locks_the_address(client):
    UserFactory(username="sales7", role="salesperson")
    for n in range(50):
        attempt(client, f"guess{n}", "wrong", address="192.0.2.50")
    refused = attempt(client, "sales7", "pw", address="192.0.2.50")
    assert refused.status_code == 429 and not signed_in(client)
    assert "Too many failed sign-in attempts from your address" in refused.content.decode()
    assert attempt(Client(), "sales7", "pw", address="192.0.2.51").status_code == 302


@pytest.mark.django_db
@override_settings(CACHES=NO_CACHE)
def test_throttle_holds_without_any_cache():
    """The old throttle lived in Redis: switched off when Redis was unreachable, per worker without it. Failures
    are rows now; with a cache that stores nothing the lock still holds."""
    UserFactory(username="sales6", role="salesperson")
    for _ in range(5):
        attempt(Client(), "sales6", "wrong")  # a new client each time: as if each request hit another worker
    assert attempt(Client(), "sales6", "pw").status_code == 429
    assert AccessAttempt.objects.get(username="sales6").failures_since_start == 5


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_the_client_address_is_the_one_the_proxy_saw():
    """Behind the README's reverse proxy every request came from its one address; now the address is the one the
    proxy appended, and what a client writes into X-Forwarded-For itself changes nothing."""
    UserFactory(username="sales5", role="salesperson")
    attacker = Client()
    for n in range(5):
        attempt(attacker, "sales5", "wrong", address="127.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.7")
    assert attempt(attacker, "sales5", "pw", address="127.0.0.1",
                   HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    # The same user from another client address behind the same proxy signs in.
    assert attempt(Client(), "sales5", "pw", address="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20").status_code \
        == 302


@pytest.mark.parametrize(("proxies", "forwarded", "remote", "expected"), [
    (0, "1.2.3.4", "10.0.0.1", "10.0.0.1"),  # no proxy trusted: the header is the client's to write
    (1, "", "10.0.0.1", "10.0.0.1"),  # a request that bypassed the proxy
    (1, "203.0.113.7", "127.0.0.1", "203.0.113.7"),
    (1, "6.6.6.6, 203.0.113.7", "127.0.0.1", "203.0.113.7"),  # a spoofed entry in front is ignored
    (2, "6.6.6.6, 203.0.113.7, 10.1.1.1", "127.0.0.1", "203.0.113.7"),  # two proxies
    (1, "not-an-address", "127.0.0.1", "127.0.0.1"),
])
def test_client_address(proxies, forwarded, remote, expected):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        assert client_address(request) == expected


@pytest.mark.django_db
def test_a_wrong_password_keeps_the_typed_username(client):
    UserFactory(username="sales4", role="salesperson")
    body = attempt(client, "sales4", "wrong").content.decode()
    assert 'value="sales4"' in body and "didn't match" in body
