"""API rate limits (issue 17 item 9): per signed-in user, per API token and per address for anonymous calls.

Rates come from API_RATES (settings, read on every request, so a deploy can change them and a test can lower them;
None switches one off). Counts live in the cache: shared by every worker on Redis, and, like every cached limit here
(config.cache), not enforced while Redis is away rather than failing the API.
"""

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from customers.models import ApiToken


class _RateFromSettings:
    scope: str

    def get_rate(self) -> str | None:
        rate: str | None = getattr(settings, "API_RATES", {}).get(self.scope)
        return rate

    def allow_request(self, request: Request, view: Any) -> bool:
        # DRF reads the rate once, when the throttle is made; made per request, so re-read it here.
        self.rate = self.get_rate()  # type: ignore[misc]
        self.num_requests, self.duration = self.parse_rate(self.rate)  # type: ignore[attr-defined]
        return super().allow_request(request, view)  # type: ignore[misc]


class UserThrottle(_RateFromSettings, UserRateThrottle):
    """Calls of one signed-in user (session or token), and of anonymous callers by address."""

    scope = "user"


class AnonThrottle(_RateFromSettings, AnonRateThrottle):
    scope = "anon"


class TokenThrottle(_RateFromSettings, SimpleRateThrottle):
    """Calls made with one API token: an integrator's token cannot use up its user's whole allowance elsewhere."""

    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
