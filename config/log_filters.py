"""Logging filters the settings' LOGGING names."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """django.request logs a 403 or 404 with the exception's traceback (PermissionDenied, Http404): one screenful
    of stack per refused page, for what is the client's mistake and already fully said by the one-line message
    ("Forbidden (Permission denied): /settings/users/"). The line is kept; the traceback only for 5xx."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.name.startswith("django.request") and isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
