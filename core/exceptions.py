"""The one domain error: a request a service refuses, with a message its user can read (issue 20 item 5).

Services raise it (or a subclass naming their area: AdminError, CouponError, VisitError, TuningError,
PolicyError); a view shows `message` on the form field `field` (or the whole form); the API's exception handler
(config/api_errors.py) answers it with `status` and the shape DRF uses for its own validation errors:
{field: [messages]} when a field is at fault, else {"detail": message}. Nobody parses the message's text.
It sits below every app (it imports none), like core/money.py, so every app may raise it.
"""

from typing import Any


class DomainError(Exception):
    """`code` for programs (stable, English), `message` for people, `field` the input at fault ("" for none)."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, field: str = "", code: str | None = None, status: int | None = None,
                 messages: list[str] | None = None) -> None:
        self.message, self.field = message, field or ""
        self.messages = messages if messages is not None else [message]
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        super().__init__(f"{self.field}: {message}" if self.field else message)

    @property
    def detail(self) -> dict[str, Any]:
        """The API's body for it."""
        return {self.field: self.messages} if self.field else {"detail": self.message}
