"""A JSON-over-HTTP gateway backend, and the base a real provider adapter (Aliyun, Tencent Cloud) subclasses.

Default wire format (one POST per message)::

    POST SMS_GATEWAY_URL
    Authorization: Bearer SMS_GATEWAY_KEY
    Idempotency-Key: <message.reference>
    {"to": "+8613800138000", "text": "...", "reference": "...", "marketing": true}

    200 {"message_id": "abc", "status": "sent" | "queued"}
    4xx {"status": "invalid" | "rejected", "error": "..."}

What happens on each answer (the exactly-once rule lives in the phases of one attempt):

* connecting fails or the request cannot be written -> nothing reached the gateway: retried;
* 429 -> the gateway says it did not take it: retried with exponential backoff and full jitter (a Retry-After
  header is honoured up to the backoff cap);
* 500, 502, 503 came after the request was written: a gateway (or a proxy in front of it) may have taken the
  message and failed afterwards (issue 19 found 53 of 228 sent twice by retrying them), so they are
  ``unknown`` and never resent, unless SMS_GATEWAY_IDEMPOTENT says the gateway honours Idempotency-Key:
  then they are retried with the same key like a 429;
* after the last retry -> ``defer``: certainly not sent; the worker tries again later, over hours
  (an outage of a minute no longer fails messages for good);
* 504, a read timeout or a dropped connection AFTER the request was written -> the gateway may have accepted:
  ``unknown``, never resent;
* other 4xx -> ``invalid`` (the number) or ``rejected`` (the message): never retried; 401/403 -> ``failed``
  (our key is wrong, the message certainly did not go);
* 2xx -> ``sent`` / ``queued`` with the provider's message id.

A provider adapter overrides only the hooks:

* :meth:`build_request` -> (method, url, headers, body bytes) for one message (sign the request here);
* :meth:`parse_success` -> SendResult from a 2xx answer (a provider that answers 200 with an error code in
  the body returns ``rejected`` / ``invalid`` / ``failed`` from here);
* :meth:`classify_error` -> SendResult, or None to retry, for a non-2xx answer.
"""

import http.client
import json
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from coupons import conf
from coupons.sms import DEFER, FAILED, INVALID, QUEUED, REJECTED, SENT, UNKNOWN, SendResult, SmsMessage

from .base import BaseSmsBackend

_jitter = secrets.SystemRandom()


class _Retry(Exception):  # noqa: N818 - a control-flow signal, not an error
    def __init__(self, error: str, retry_after: float | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.retry_after = retry_after


class SmsBackend(BaseSmsBackend):
    retry_statuses = frozenset({429})
    server_errors = frozenset({500, 502, 503})
    # A gateway timeout from a proxy in front of the provider: the provider may have accepted the message.
    ambiguous_statuses = frozenset({504})
    auth_statuses = frozenset({401, 403})

    def __init__(
        self,
        *args: Any,
        url: str | None = None,
        key: str | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_retries: int | None = None,
        backoff_base: float | None = None,
        backoff_cap: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        idempotent: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.url = url if url is not None else conf.get("SMS_GATEWAY_URL")
        if not self.url:
            raise ImproperlyConfigured("the HTTP SMS backend needs SMS_GATEWAY_URL")
        self.key = key if key is not None else conf.get("SMS_GATEWAY_KEY")
        self.connect_timeout = float(_pick(connect_timeout, "SMS_GATEWAY_CONNECT_TIMEOUT"))
        self.read_timeout = float(_pick(read_timeout, "SMS_GATEWAY_READ_TIMEOUT"))
        self.max_retries = int(_pick(max_retries, "SMS_GATEWAY_MAX_RETRIES"))
        self.backoff_base = float(_pick(backoff_base, "SMS_GATEWAY_BACKOFF_BASE"))
        self.backoff_cap = float(_pick(backoff_cap, "SMS_GATEWAY_BACKOFF_CAP"))
        self.sleep = sleep
        self.idempotent = bool(idempotent if idempotent is not None else conf.get("SMS_GATEWAY_IDEMPOTENT"))

    # ---- hooks for provider adapters -------------------------------------------------------------------
    def build_request(self, message: SmsMessage) -> tuple[str, str, dict[str, str], bytes]:
        """(method, url, headers, body) of the request that sends `message`."""
        body = json.dumps(
            {"to": message.to, "text": message.body, "reference": message.reference, "marketing": message.marketing},
            ensure_ascii=False,
        ).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        if message.reference:
            headers["Idempotency-Key"] = message.reference
        return "POST", self.url, headers, body

    def parse_success(self, message: SmsMessage, status: int, body: bytes) -> SendResult:
        """The result of a 2xx answer."""
        data = _json(body)
        state = str(data.get("status") or SENT).lower()
        if state not in {SENT, QUEUED, INVALID, REJECTED}:
            state = SENT  # a 2xx is an acceptance whatever the body calls it
        return SendResult(message.to, state, message_id=str(data.get("message_id") or ""),
                          error=str(data.get("error") or ""), reference=message.reference)

    def classify_error(self, message: SmsMessage, status: int, headers: Any, body: bytes) -> SendResult | None:
        """The result of a non-2xx answer, or None to retry it."""
        data = _json(body)
        error = f"HTTP {status}: {data.get('error') or body[:200].decode('utf-8', 'replace')}"
        if status in self.retry_statuses or (status in self.server_errors and self.idempotent):
            return None
        if status in self.ambiguous_statuses or status in self.server_errors:
            return SendResult(message.to, UNKNOWN, error=error, reference=message.reference)
        if status in self.auth_statuses:
            return SendResult(message.to, FAILED, error=error, reference=message.reference)
        state = INVALID if str(data.get("status", "")).lower() == INVALID else REJECTED
        return SendResult(message.to, state, error=error, reference=message.reference)

    # ---- the send loop ---------------------------------------------------------------------------------
    def send_messages(self, messages: Sequence[SmsMessage]) -> list[SendResult]:
        return [self.send_one(message) for message in messages]

    def send_one(self, message: SmsMessage) -> SendResult:
        """Send one message with retries; see the module docstring for what is retried."""
        last_error = ""
        retry_after: float | None = None
        for attempt in range(self.max_retries + 1):
            if attempt:
                self.sleep(self.backoff(attempt, retry_after))
            try:
                result = self._attempt(message)
            except _Retry as signal:
                last_error, retry_after = signal.error, signal.retry_after
                continue
            result.attempts = attempt + 1
            return result
        return SendResult(message.to, DEFER, error=f"gave up after {self.max_retries + 1} attempts: {last_error}",
                          attempts=self.max_retries + 1, reference=message.reference)

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)], at least Retry-After (capped)."""
        delay = _jitter.uniform(0, min(self.backoff_cap, self.backoff_base * (2**attempt)))
        if retry_after:
            delay = max(delay, min(retry_after, self.backoff_cap))
        return delay

    def _attempt(self, message: SmsMessage) -> SendResult:
        method, url, headers, body = self.build_request(message)
        conn = self._connection(url)
        try:
            try:
                conn.connect()
                conn.sock.settimeout(self.read_timeout)
                conn.request(method, _path(url), body=body, headers=headers)
            except (OSError, http.client.HTTPException) as exc:
                # Nothing complete reached the gateway: safe to try again.
                raise _Retry(f"connection error: {exc!r}") from exc
            try:
                response = conn.getresponse()
                payload = response.read()
            except (TimeoutError, OSError, http.client.HTTPException) as exc:
                return SendResult(message.to, UNKNOWN, reference=message.reference,
                                  error=f"no answer after the request was sent ({exc!r}); the gateway may have "
                                        "accepted it: not resent")
        finally:
            conn.close()
        if 200 <= response.status < 300:
            return self.parse_success(message, response.status, payload)
        result = self.classify_error(message, response.status, response.headers, payload)
        if result is None:
            raise _Retry(f"HTTP {response.status}", _retry_after(response.headers))
        return result

    def _connection(self, url: str) -> http.client.HTTPConnection:
        parts = urlsplit(url)
        if parts.scheme == "https":
            return http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=self.connect_timeout)
        if parts.scheme == "http":
            return http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=self.connect_timeout)
        raise ImproperlyConfigured(f"SMS_GATEWAY_URL must be http(s): {url}")


def _pick(value: Any, setting: str) -> Any:
    return value if value is not None else conf.get(setting)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return float(value) if value else None
    except ValueError:
        return None
