"""The domain error of the admin services."""


class AdminError(ValueError):
    """A change that cannot be made; `field` names the input at fault ("" for the whole request)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field, self.message = field, message
