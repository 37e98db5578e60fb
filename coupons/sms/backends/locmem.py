"""Keeps messages in ``coupons.sms.outbox`` (a list): for tests."""

import uuid
from collections.abc import Sequence

from coupons import sms
from coupons.sms import SENT, SendResult, SmsMessage

from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    provider = "*"  # records provider template messages too (development, tests)

    def send_messages(self, messages: Sequence[SmsMessage]) -> list[SendResult]:
        results = []
        for message in messages:
            sms.outbox.append(message)
            results.append(
                SendResult(message.to, SENT, message_id=f"locmem-{uuid.uuid4().hex[:16]}", reference=message.reference)
            )
        return results
