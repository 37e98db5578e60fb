"""The API's one exception handler: DRF's, plus the domain error and the request errors Django raises while DRF
parses a body.

A service's DomainError (core/exceptions.py) is answered with its status and body (`{field: [messages]}` or
`{"detail": message}`), so API views call services without a try/except each (the HackSoft styleguide's way).

Django refuses a multipart body with more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields (1,001 `codes`, say) or over
DATA_UPLOAD_MAX_MEMORY_SIZE with a SuspiciousOperation, which DRF does not handle: the client got Django's HTML 400
page (issue 17 item 9). Here it is the API's JSON 400, saying what to do instead.
"""

from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler; a domain error gets its own answer, a refused request body a JSON 400 with a `detail`."""
    if isinstance(exc, DomainError):
        return Response(exc.detail, status=exc.status)
    if isinstance(exc, TooManyFieldsSent):
        detail = "too many form fields: send long lists (such as codes) as a JSON body"
    elif isinstance(exc, RequestDataTooBig):
        detail = "request body too large"
    elif isinstance(exc, SuspiciousOperation):
        detail = "bad request"
    else:
        return drf_exception_handler(exc, context)
    return Response({"detail": detail}, status=status.HTTP_400_BAD_REQUEST)
