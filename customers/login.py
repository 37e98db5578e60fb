"""Sign-in throttling with django-axes (issue 17 items 3 and 4), for the cockpit's login and the admin's alike.

Failures are rows in the database (axes.AccessAttempt), so every worker counts the same failures and nothing
switches off when Redis is away. Two locks, each for AXES_COOLOFF_TIME after the last failure that counted:

- a username from one address: AXES_FAILURE_LIMIT failures (the account stays open from any other address, so an
  attacker cannot lock a colleague, or the admin, out from elsewhere);
- an address: LOGIN_ADDRESS_FAILURE_LIMIT failures over any usernames (password spraying), set higher since a whole
  office behind one NAT shares it.

The address is the client's as seen by the outermost of TRUSTED_PROXY_COUNT reverse proxies (client_address), not
whatever a client writes into X-Forwarded-For.
"""

import datetime as dt
import ipaddress
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone


def client_address(request: HttpRequest) -> str:
    """The address the request came from, counting TRUSTED_PROXY_COUNT reverse proxies in front of the app.

    Each trusted proxy appends the address it received the connection from to X-Forwarded-For, and the last one
    is REMOTE_ADDR; so the client is the (N+1)-th address from the right of that chain. Anything further left was
    written by the client and is ignored. A chain shorter than expected (a request that bypassed the proxies) gives
    its left-most address, which a trusted hop wrote. (django-ipware's count-based mode answers None for a chain
    longer than it expects, e.g. when a client sends its own X-Forwarded-For through nginx.)
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    chain = [*forwarded, remote]
    candidate = chain[-(proxies + 1)] if len(chain) > proxies else chain[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The username as typed, trimmed and lower-cased: `Admin` and `admin ` count as the same account's failures."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(raw).strip().lower()


def _attempts(request: HttpRequest, **where: Any) -> QuerySet[AccessAttempt]:
    cool_off = get_cool_off(request) or dt.timedelta(0)
    return AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off, **where)


class LoginThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per lock: AXES_FAILURE_LIMIT for a username from one address,
    LOGIN_ADDRESS_FAILURE_LIMIT for an address. Axes compares one number with one limit, so the address's failures
    are scaled to it: floor(f * A / L) >= A exactly when f >= L."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        user_and_address, address = (
            qs.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for qs in self.get_user_attempts(request, credentials)
        )
        limit = int(settings.AXES_FAILURE_LIMIT)
        return max(user_and_address, address * limit // int(settings.LOGIN_ADDRESS_FAILURE_LIMIT))

    def reset_user_attempts(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """On a successful sign-in forget that username's failures from that address, not the address's: a valid
        account must not let a password sprayer wipe the address's count."""
        username = get_client_username(request, credentials)
        address = getattr(request, "axes_ip_address", None)
        count, _ = AccessAttempt.objects.filter(username=username, ip_address=address).delete()
        return count


def lockout_until(request: HttpRequest, username: str) -> tuple[dt.datetime | None, str]:
    """When the lock that refused this sign-in ends (the last counted failure plus the cool-off), and which lock it
    is: "account" (this username from this address), "address" (any username from it), or "" when none holds."""
    address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
    cool_off = get_cool_off(request) or dt.timedelta(0)
    ends: list[tuple[dt.datetime, str]] = []
    for kind, qs, limit in (
        ("account", _attempts(request, username=username, ip_address=address), settings.AXES_FAILURE_LIMIT),
        ("address", _attempts(request, ip_address=address), settings.LOGIN_ADDRESS_FAILURE_LIMIT),
    ):
        found = qs.aggregate(n=Sum("failures_since_start"), t=Max("attempt_time"))
        if (found["n"] or 0) >= int(limit) and found["t"] is not None:
            ends.append((found["t"] + cool_off, kind))
    return max(ends) if ends else (None, "")


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """The login page again (both logins), with the typed username kept, saying that sign-in is throttled and until
    when, as a 429."""
    username = str((credentials or {}).get("username") or request.POST.get("username", ""))
    until, kind = lockout_until(request, login_username(request, credentials))
    form = AuthenticationForm(request, initial={"username": username})
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not next_url and request.path.startswith("/admin/"):
        next_url = "/admin/"
    context = {"form": form, "next": next_url, "locked_until": until and timezone.localtime(until),
               "locked_kind": kind, "typed_username": username}
    response = TemplateResponse(request, "registration/login.html", context, status=429)
    if until is not None:
        response["Retry-After"] = str(max(1, int((until - timezone.now()).total_seconds())))
    return response.render()
