"""What every page may need to say about the signed-in user's scope."""

from typing import Any

from .selectors import scope_problem

# The pages whose rows and figures are the user's customers: there an empty page needs its reason. Those pages
# work out the scope anyway, so the check costs no query of its own (the role and regions are remembered).
SCOPED_PAGES = ("/customers/", "/worklist/")


def scope_notice(request: Any) -> dict[str, Any]:
    """`scope_problem`: why the user sees no customer at all (customers.selectors.scope_problem), on scoped pages."""
    path = getattr(request, "path", "") or ""
    if path != "/" and not path.startswith(SCOPED_PAGES):
        return {}
    return {"scope_problem": scope_problem(getattr(request, "user", None))}
