"""The common part of the Aliyun and Tencent Cloud backends: calls, error classes, lookups (issue 19).

Both backends call their provider through its official Python SDK (alibabacloud-dysmsapi20170525,
tencentcloud-sdk-python-sms). Both SDKs send with `requests` and hide its exception inside their own; we
read it back (:func:`network_failure`) because exactly-once depends on telling two failures apart.

A backend gets the messages of one batch (one campaign: one template, one signature) and returns one
SendResult per message. What the worker relies on:

* ``NotSent`` (the connection could not be made) -> every message of that call is ``defer``: certainly not
  sent;
* ``AnswerLost`` (timeout or dropped connection after the request was written), a 5xx or an internal error
  -> every message of that call is ``unknown``: settled later by :meth:`lookup`, never resent blindly;
* the provider's error codes -> ``defer`` (throttling), ``invalid`` (the number), ``blocked`` (template or
  signature: fix the campaign), ``halt`` (balance or account: every send stops, an alert is raised).

:meth:`lookup` reads the provider's own records of messages whose fate is unknown: delivered, undelivered,
accepted (no receipt yet) or absent (never had it: the worker resends it once).
"""

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import requests
from django.core.exceptions import ImproperlyConfigured
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from coupons import conf
from coupons.sms import (
    BLOCKED,
    DEFER,
    HALT,
    INVALID,
    REJECTED,
    SENT,
    UNKNOWN,
    Lookup,
    SendResult,
    SmsMessage,
)

from .base import BaseSmsBackend


class NotSent(Exception):  # noqa: N818 - the request never reached the provider
    pass


class AnswerLost(Exception):  # noqa: N818 - the request was (or may have been) written; its answer never came
    pass


def network_failure(exc: BaseException) -> Exception:
    """NotSent or AnswerLost for an exception an SDK raised around a `requests` failure.

    Only a failure to connect proves the provider never got the request; a read timeout, a connection dropped
    while waiting, a half answer or anything we cannot place may have been accepted, so they are AnswerLost.
    """
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (requests.exceptions.ConnectTimeout, NewConnectionError, ConnectTimeoutError)):
            return NotSent(f"connection error: {current!r}")
        if isinstance(current, requests.exceptions.ConnectionError) and current.args:
            reason = getattr(current.args[0], "reason", None)  # urllib3's MaxRetryError names the cause
            if isinstance(reason, (NewConnectionError, ConnectTimeoutError)):
                return NotSent(f"connection error: {reason!r}")
        stack += [getattr(current, "inner_exception", None), current.__cause__, current.__context__]
        stack += [a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]
    return AnswerLost(f"no answer after the request was sent ({exc!r})")


def endpoint_parts(url: str) -> tuple[str, str]:
    """("http", "127.0.0.1:8220") from an endpoint setting; a bare host name means https."""
    if "://" not in url:
        return "https", url.strip("/")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise ImproperlyConfigured(f"an SMS endpoint must be http(s): {url}")
    return parts.scheme, parts.netloc


class LookupUnavailable(Exception):  # noqa: N818 - the provider's records could not be read this time
    pass


class ProviderBackend(BaseSmsBackend):
    provider = ""
    batch_size = 1  # messages per provider call
    absent_after = 300.0  # seconds after sending before "no record" may mean "never had it"
    endpoint_setting = ""
    # Provider error codes by what they mean for us; anything else is `rejected` (not sent, not retried).
    throttled: tuple[str, ...] = ()
    invalid_number: tuple[str, ...] = ()
    campaign_errors: tuple[str, ...] = ()
    account_errors: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()

    def __init__(self, *args: Any, endpoint: str | None = None, connect_timeout: float | None = None,
                 read_timeout: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Empty: the SDK's own endpoint for the region. Tests point it at a local fake over http.
        self.endpoint = str(endpoint or conf.get(self.endpoint_setting) or "")
        self.connect_timeout = float(connect_timeout or conf.get("SMS_GATEWAY_CONNECT_TIMEOUT"))
        self.read_timeout = float(read_timeout or conf.get("SMS_GATEWAY_READ_TIMEOUT"))

    @staticmethod
    def credential(name: str) -> str:
        """A secret from the environment (or settings); a backend without its credentials cannot start."""
        value = str(conf.get(name) or "")
        if not value:
            raise ImproperlyConfigured(f"set {name} in the environment to send through this SMS provider")
        return value

    # ---- sending --------------------------------------------------------------------------------------
    def send_messages(self, messages: Sequence[SmsMessage]) -> list[SendResult]:
        results: list[SendResult] = []
        for start in range(0, len(messages), self.batch_size):
            chunk = list(messages[start:start + self.batch_size])
            try:
                results.extend(self.send_call(chunk))
            except NotSent as exc:
                results.extend(self.each(chunk, DEFER, f"not sent: {exc}"))
            except AnswerLost as exc:
                results.extend(self.each(chunk, UNKNOWN, f"{exc}; the provider may have accepted it: not resent, "
                                                         "settled from its records"))
        return results

    def send_call(self, messages: list[SmsMessage]) -> list[SendResult]:
        raise NotImplementedError

    @staticmethod
    def each(messages: Sequence[SmsMessage], status: str, error: str = "", *, message_id: str = "",
             code: str = "") -> list[SendResult]:
        return [SendResult(m.to, status, message_id=message_id, error=error, reference=m.reference, code=code)
                for m in messages]

    def classify(self, code: str) -> str:
        """Our status for a provider error code."""
        if code in self.throttled or any(code.startswith(p) for p in self.throttled if p.endswith(".")):
            return DEFER
        if code in self.invalid_number:
            return INVALID
        if code in self.campaign_errors:
            return BLOCKED
        if code in self.account_errors or any(code.startswith(p) for p in self.account_errors if p.endswith(".")):
            return HALT
        if code in self.ambiguous or any(code.startswith(p) for p in self.ambiguous if p.endswith(".")):
            return UNKNOWN
        return REJECTED

    def refused(self, messages: Sequence[SmsMessage], status_code: int, code: str, text: str) -> list[SendResult]:
        """Results for a call the provider answered with an error (or an HTTP error without one)."""
        if not code:
            state = UNKNOWN if status_code >= 500 else REJECTED
            return self.each(messages, state, f"HTTP {status_code}: {text[:200]}")
        return self.each(messages, self.classify(code), f"{code}: {text}"[:500], code=code)

    # ---- the provider's records -------------------------------------------------------------------------
    def lookup(self, message: SmsMessage, sent_at: Any) -> Lookup:
        """What the provider's records say about `message` (sent around `sent_at`); LookupUnavailable if unread."""
        raise NotImplementedError


def national(number: str) -> str:
    """+8613800138000 -> 13800138000 (Aliyun's domestic form)."""
    return number[3:] if number.startswith("+86") else number.lstrip("+")


__all__ = ["SENT", "AnswerLost", "LookupUnavailable", "NotSent", "ProviderBackend", "endpoint_parts", "national",
           "network_failure"]
