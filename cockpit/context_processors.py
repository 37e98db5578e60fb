from typing import Any

from customers.roles import role_label, user_role

# URL prefix -> top-nav section (longest prefix first; "/" only matches the dashboard itself).
NAV_SECTIONS = (("/customers/", "customers"), ("/worklist/", "worklist"), ("/coupons/", "coupons"),
                ("/settings/", "settings"))


def nav_section(path: str) -> str:
    """The top-nav entry a path belongs to ("" when none), for aria-current on every page."""
    if path == "/":
        return "dashboard"
    return next((name for prefix, name in NAV_SECTIONS if path.startswith(prefix)), "")


def roles(request: Any) -> dict[str, Any]:
    """The signed-in user's role, for menus, and the top-nav section of the page."""
    role = user_role(getattr(request, "user", None))
    return {"role": role, "role_label": role_label(role), "is_admin_role": role == "admin",
            "is_manager_role": role in ("admin", "manager"),
            "nav_section": nav_section(getattr(request, "path", "") or "")}
