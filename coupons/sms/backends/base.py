"""The interface every SMS backend implements (compare django.core.mail.backends.base)."""

from collections.abc import Sequence
from typing import Any

from coupons.sms import SendResult, SmsMessage


class BaseSmsBackend:
    """Send messages, one :class:`SendResult` per message, in order.

    A backend never raises for a message the gateway refused or could not take: it reports it in the
    result. Only a programming or configuration error raises.
    """

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        self.fail_silently = fail_silently

    def open(self) -> None:
        """Open a connection if the backend keeps one; called by `with backend:`."""

    def close(self) -> None:
        """Close what open() opened."""

    def __enter__(self) -> "BaseSmsBackend":
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send_messages(self, messages: Sequence[SmsMessage]) -> list[SendResult]:
        raise NotImplementedError("subclasses of BaseSmsBackend must implement send_messages()")
