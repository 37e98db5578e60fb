"""One HTTP exchange with a provider, telling apart "certainly not sent" from "the answer was lost".

The provider backends decide exactly-once from this split: a failure to connect or to write the request means
the provider never got it (safe to try again later); anything after the request was written (a read timeout,
a dropped connection, a half answer) means it may have been accepted, so the message becomes `unknown` and is
settled from the provider's own records, never resent blindly.
"""

import http.client
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured


class NotSent(Exception):  # noqa: N818 - the request never reached the provider
    pass


class AnswerLost(Exception):  # noqa: N818 - the request was written; its answer never came
    pass


@dataclass
class Answer:
    status: int
    body: bytes


def exchange(method: str, url: str, headers: dict[str, str], body: bytes, *, connect_timeout: float,
             read_timeout: float) -> Answer:
    """Send one request and read its answer; raises NotSent or AnswerLost (see the module docstring)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(parts.hostname or "", parts.port,
                                                                       timeout=connect_timeout)
    elif parts.scheme == "http":
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=connect_timeout)
    else:
        raise ImproperlyConfigured(f"an SMS endpoint must be http(s): {url}")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        try:
            conn.connect()
            conn.sock.settimeout(read_timeout)
            conn.request(method, path, body=body, headers=headers)
        except (OSError, http.client.HTTPException) as exc:
            raise NotSent(f"connection error: {exc!r}") from exc
        try:
            response = conn.getresponse()
            return Answer(response.status, response.read())
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            raise AnswerLost(f"no answer after the request was sent ({exc!r})") from exc
    finally:
        conn.close()
