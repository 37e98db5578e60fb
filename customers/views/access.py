"""Role checks for the settings pages: 403 for a role that may not act, before any lookup."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from customers.roles import is_admin, is_manager_or_admin

View = Callable[..., HttpResponse]


def _requires(check: Callable[[Any], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def is_htmx(request: HttpRequest) -> bool:
    """True for a request htmx sent (django-htmx sets `request.htmx`)."""
    return bool(getattr(request, "htmx", False))


admin_required = _requires(is_admin)
manager_or_admin_required = _requires(is_manager_or_admin)
