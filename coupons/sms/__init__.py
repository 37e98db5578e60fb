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
ACCEPTED = frozenset({SENT, QUEUED})

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


@dataclass
class SendResult:
    """What happened to one message: a status above, the provider's message id, an error text."""

    to: str
    status: str
    message_id: str = ""
    error: str = ""
    attempts: int = 1
    reference: str = ""

    @property
    def accepted(self) -> bool:
        return self.status in ACCEPTED


def get_backend(backend: str | None = None, **kwargs: Any) -> Any:
    """An SMS backend instance: `backend` (a dotted path) or settings.SMS_BACKEND; kwargs go to its __init__."""
    klass = import_string(backend or conf.get("SMS_BACKEND"))
    return klass(**kwargs)
