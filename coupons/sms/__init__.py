"""Sending SMS through a pluggable backend, in the style of Django's EMAIL_BACKEND.

``get_backend()`` returns an instance of the class named by ``settings.SMS_BACKEND``;
``backend.send_messages([SmsMessage(...)])`` returns one :class:`SendResult` per message, with a status
like anymail's: sent, queued, invalid, rejected, failed or unknown.
"""

from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import import_string

from coupons import conf

SENT = "sent"  # the gateway accepted the message
QUEUED = "queued"  # the gateway accepted it for later delivery (counts as sent for us)
INVALID = "invalid"  # the number is not valid: never retried
REJECTED = "rejected"  # the gateway refused this message (4xx): never retried
FAILED = "failed"  # the gateway certainly did not accept it (after every retry)
UNKNOWN = "unknown"  # the gateway may have accepted it (timeout after sending): never resent blindly
# Issue 19: answers of the provider backends that say the message certainly did not go out.
DEFER = "defer"  # throttled, flow control, an outage: try again later (the worker backs off over hours)
BLOCKED = "blocked"  # the template or signature was refused: the campaign stops until someone fixes it
HALT = "halt"  # the account cannot send (balance exhausted, key refused): every send stops, an alert is raised
ACCEPTED = frozenset({SENT, QUEUED})
NOT_SENT = frozenset({INVALID, REJECTED, FAILED, DEFER, BLOCKED, HALT})

# The locmem backend appends every message here (tests read it, like django.core.mail.outbox).
outbox: list["SmsMessage"] = []


@dataclass
class SmsMessage:
    """One text to one mobile number (E.164). `reference` is our id for it, passed to the gateway."""

    to: str
    body: str
    reference: str = ""
    marketing: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    # A provider template message (issue 19): the approved template, the signature and the variables
    # (Aliyun: a dict of named variables; Tencent: the ordered list). `batch` is the provider call's
    # reference (Aliyun OutId, Tencent SessionContext), shared by the messages of one call.
    template: str = ""
    sign_name: str = ""
    params: Any = None
    batch: str = ""


@dataclass
class SendResult:
    """What happened to one message: a status above, the provider's message id, an error text."""

    to: str
    status: str
    message_id: str = ""
    error: str = ""
    attempts: int = 1
    reference: str = ""
    code: str = ""  # the provider's own error code (isv.BUSINESS_LIMIT_CONTROL, LimitExceeded.*)

    @property
    def accepted(self) -> bool:
        return self.status in ACCEPTED


# What a provider's own records say about a message whose fate was unknown (QuerySendDetails, pull by number).
DELIVERED = "delivered"  # the receipt says it arrived
UNDELIVERED = "undelivered"  # the provider had it and the carrier failed it
ACCEPTED_ONLY = "accepted"  # the provider has it, no receipt yet
ABSENT = "absent"  # the provider has no record of it: it never went out


@dataclass
class Lookup:
    """A provider record of one message: its state, the provider's id, an error code, when it was received."""

    state: str
    message_id: str = ""
    error: str = ""
    at: Any = None


def get_backend(backend: str | None = None, **kwargs: Any) -> Any:
    """An SMS backend instance: `backend` (a dotted path) or settings.SMS_BACKEND; kwargs go to its __init__."""
    klass = import_string(backend or conf.get("SMS_BACKEND"))
    return klass(**kwargs)


PROVIDER_BACKENDS = {"aliyun": "coupons.sms.backends.aliyun.SmsBackend",
                     "tencent": "coupons.sms.backends.tencent.SmsBackend"}


def backend_for(provider: str, **kwargs: Any) -> Any:
    """The backend that sends a campaign of `provider` ("" free text, "aliyun", "tencent").

    SMS_BACKEND serves it when it speaks that provider (or any: console, file and locmem record whatever they
    are given, for development and tests); otherwise the provider's own backend, configured by its SMS_* settings.
    """
    configured = import_string(conf.get("SMS_BACKEND"))
    speaks = getattr(configured, "provider", "")
    if speaks == "*" or speaks == provider or not provider:
        return configured(**kwargs)
    return import_string(PROVIDER_BACKENDS[provider])(**kwargs)
