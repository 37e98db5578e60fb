"""API keys stored as hashes (issue 17 item 6): issue one (the key is returned once), authenticate with it, and end a
user's keys and sessions when their password, activation or role changes.

DRF's own token kept the key in plain text and the admin showed it in full. Here only SHA-256 of the key is stored
(customers.ApiToken); a key has a name, an optional expiry and a last-used time.
"""

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .models import ApiToken

KEY_PREFIX_CHARS = 8
LAST_USED_EVERY = dt.timedelta(minutes=10)  # write last_used_at at most this often, not on every call


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, user: Any, name: str = "", expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """A new key for `user`: the row (hash only) and the key itself, which the caller shows once."""
    key = secrets.token_urlsafe(30)  # 40 characters, 240 random bits
    token = ApiToken.objects.create(user=user, name=name.strip()[:64], prefix=key[:KEY_PREFIX_CHARS],
                                    digest=key_digest(key), expires_at=expires_at)
    return token, key


def api_tokens_revoke(*, user: Any) -> int:
    """Delete every key of `user`; returns how many."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


def user_sessions_end(*, user: Any) -> int:
    """Delete every stored session of `user`: a re-activated login must sign in again, not find old sessions alive.

    Sessions are signed blobs keyed by session key, so each live one is decoded (a few per user, run on rare admin
    actions only)."""
    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            ended.append(session.session_key)
    Session.objects.filter(session_key__in=ended).delete()
    return len(ended)


def user_access_revoke(*, user: Any) -> None:
    """End every key and session of `user` (password, activation or role changed)."""
    api_tokens_revoke(user=user)
    user_sessions_end(user=user)


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, checked against the stored hashes; expired keys and inactive users refused."""

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        token = ApiToken.objects.select_related("user").filter(digest=key_digest(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("Token expired."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
