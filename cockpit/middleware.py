"""Every page needs a login. The API is left to DRF, which also accepts tokens and answers 401/403, not a redirect."""

from django.contrib.auth.middleware import LoginRequiredMiddleware

OPEN_PREFIXES = ("/api/", "/static/", "/healthz")


class LoginRequiredEverywhereMiddleware(LoginRequiredMiddleware):
    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(OPEN_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
