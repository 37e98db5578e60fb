from typing import Any

from customers.roles import user_role


def roles(request: Any) -> dict[str, Any]:
    """The signed-in user's role, for menus."""
    role = user_role(getattr(request, "user", None))
    return {"role": role, "is_admin_role": role == "admin", "is_manager_role": role in ("admin", "manager")}
