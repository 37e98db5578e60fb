"""Writes each message to stdout: the embedded default, nothing leaves the machine."""

import sys
import threading
import uuid
from collections.abc import Sequence
from typing import Any, TextIO

from coupons.sms import SENT, SendResult, SmsMessage

from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    provider = "*"  # records provider template messages too (development, tests)

    def __init__(self, *args: Any, stream: TextIO | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def format(self, message: SmsMessage, message_id: str) -> str:
        return f"SMS to {message.to} [{message_id}] ref={message.reference}\n{message.body}\n{'-' * 40}\n"

    def send_messages(self, messages: Sequence[SmsMessage]) -> list[SendResult]:
        results = []
        with self._lock:
            for message in messages:
                message_id = f"{type(self).__module__.rsplit('.', 1)[-1]}-{uuid.uuid4().hex[:16]}"
                self.stream.write(self.format(message, message_id))
                results.append(SendResult(message.to, SENT, message_id=message_id, reference=message.reference))
            self.stream.flush()
        return results
