"""The domain error of the admin services (core/exceptions.py)."""

from core.exceptions import DomainError


class AdminError(DomainError):
    """A change an admin service cannot make; `field` names the input at fault ("" for the whole request)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)
