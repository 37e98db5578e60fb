"""plotly.js from the installed plotly package, served once with long cache headers (no CDN, no 4.8 MB in git)."""

import gzip
import hashlib
from functools import lru_cache

import plotly
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_GET

YEAR = 365 * 24 * 3600


@lru_cache(maxsize=1)
def _plotly_js() -> tuple[bytes, bytes, str]:
    """The bundle, its gzip form and an ETag; computed on first use and kept in memory."""
    from plotly.offline import get_plotlyjs

    body = get_plotlyjs().encode("utf-8")
    return body, gzip.compress(body, compresslevel=6, mtime=0), hashlib.sha256(body).hexdigest()[:16]


@login_not_required
@require_GET
def plotly_js(request: HttpRequest, version: str) -> HttpResponse:
    """The URL carries plotly's version, so the file can be cached for a year and never goes stale."""
    body, compressed, etag = _plotly_js()
    if request.headers.get("If-None-Match") == f'"{etag}"':
        return HttpResponseNotModified()
    gz = "gzip" in request.headers.get("Accept-Encoding", "") and version == plotly.__version__
    response = HttpResponse(compressed if gz else body, content_type="text/javascript; charset=utf-8")
    if gz:
        response["Content-Encoding"] = "gzip"
    response["Content-Length"] = str(len(response.content))
    response["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response["Vary"] = "Accept-Encoding"
    response["ETag"] = f'"{etag}"'
    return response
