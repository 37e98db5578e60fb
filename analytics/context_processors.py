"""What every page may need to say about the data being computed in the background."""

from typing import Any

from analytics.services.first_fill import first_fill_state

# Not for the API, the admin or static files: only the cockpit's own pages carry the notice.
SKIPPED = ("/api/", "/admin/", "/static/", "/healthz")


def first_fill(request: Any) -> dict[str, Any]:
    """`first_fill`: the fresh install's fill and churn jobs still under way ({"fill", "churn"}), or nothing.

    One small query (the jobs table, by kind and status) on a signed-in user's page; the notice explains an
    empty or partial cockpit while the worker computes the demo's months."""
    user = getattr(request, "user", None)
    path = getattr(request, "path", "") or ""
    if user is None or not user.is_authenticated or path.startswith(SKIPPED):
        return {}
    state = first_fill_state()
    if state["fill"] is None and state["churn"] is None:
        return {}
    return {"first_fill": state}
