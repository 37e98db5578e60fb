"""Error pages: the API answers in JSON even when no route matches (a browser still gets the HTML page)."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: /api/... gets DRF's `{"detail": ...}` body, as for a 404 raised inside a view."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: /api/... gets a JSON body its clients can parse; pages get templates/500.html.

    500.html renders without a request context (the failure may be in a context processor or the session).
    """
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)
