"""Appends each message to a file in settings.SMS_FILE_PATH (one file per backend instance)."""

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from coupons import conf
from coupons.sms import SendResult, SmsMessage

from .console import SmsBackend as ConsoleBackend


class SmsBackend(ConsoleBackend):
    def __init__(self, *args: Any, file_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        folder = file_path or conf.get("SMS_FILE_PATH")
        if not folder:
            raise ImproperlyConfigured("the file SMS backend needs SMS_FILE_PATH (a folder)")
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        self.path = self.folder / f"{stamp}-{os.getpid()}-{id(self)}.log"

    def send_messages(self, messages: Sequence[SmsMessage]) -> list[SendResult]:
        with self.path.open("a", encoding="utf-8") as handle:
            self.stream = handle
            return super().send_messages(messages)
