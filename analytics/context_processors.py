"""What every page may need to say about the data being computed in the background."""

from typing import Any

from django.core.cache import cache

from analytics.services.first_fill import IDLE_KEY, IDLE_SECONDS, first_fill_state

# Not for the API, the admin or static files: only the cockpit's own pages carry the notice.
SKIPPED = ("/api/", "/admin/", "/static/", "/healthz")


def first_fill(request: Any) -> dict[str, Any]:
    """`first_fill`: the fresh install's fill and churn jobs still under way ({"fill", "churn"}), or nothing.

    The notice explains an empty or partial cockpit while the worker computes the demo's months. It costs one
    small query (the jobs table, by kind and status) only while that is under way: once a look finds nothing, the
    cache says so (a first fill starts before the web server, and queue_fill clears the key), so a computed
    cockpit's pages keep their query budgets."""
    user = getattr(request, "user", None)
    path = getattr(request, "path", "") or ""
    if user is None or not user.is_authenticated or path.startswith(SKIPPED):
        return {}
    if cache.get(IDLE_KEY):
        return {}
    state = first_fill_state()
    if state["fill"] is None and state["churn"] is None:
        cache.set(IDLE_KEY, True, IDLE_SECONDS)
        return {}
    return {"first_fill": state}
