"""Login with throttling: after repeated failures for one username or one address, wait before trying again."""

from typing import Any

from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60


def _keys(request: HttpRequest) -> list[str]:
    username = (request.POST.get("username") or "").strip().lower()
    address = request.META.get("REMOTE_ADDR", "")
    return [f"login-fail:user:{username}", f"login-fail:addr:{address}"]


def login_locked(request: HttpRequest) -> bool:
    return any((cache.get(key) or 0) >= MAX_FAILURES for key in _keys(request))


class ThrottledLoginView(auth_views.LoginView):
    """Django's LoginView, refusing further attempts for 15 minutes after 5 failures (per user and per address)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if login_locked(request):
            form = self.get_form()
            form.add_error(None, _("Too many failed attempts. Wait 15 minutes and try again."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        for key in _keys(self.request):
            cache.add(key, 0, LOCK_SECONDS)
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, LOCK_SECONDS)
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        cache.delete_many(_keys(self.request))
        return super().form_valid(form)
