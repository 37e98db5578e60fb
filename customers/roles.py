"""The three roles of docs/roles.md §1, as Django groups. A superuser counts as admin.

A manager sees the customers of their regions (customers.ManagerRegion) or, when marked so explicitly with the
COMPANY_WIDE group, every customer; a manager with neither sees nothing. "No regions" never means "all": deleting
a manager's last region once made them company-wide (issue 17 item 2).
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

ADMIN = "admin"
MANAGER = "manager"
SALESPERSON = "salesperson"
ROLES = (ADMIN, MANAGER, SALESPERSON)
COMPANY_WIDE = "company_wide"  # a group: the manager sees every customer (not a role of its own)
# The roles as people say them; the codes above are group names and API values, never shown on a page.
ROLE_LABELS = {ADMIN: _("Administrator"), MANAGER: _("Manager"), SALESPERSON: _("Salesperson")}


def role_label(role: str | None) -> str:
    """A role code in the user's language ("" for none)."""
    return str(ROLE_LABELS.get(role, role)) if role else ""


def user_role(user: Any) -> str | None:
    """The user's strongest role, or None (an account with no role sees nothing)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return ADMIN
    if hasattr(user, "_cockpit_role"):
        cached: str | None = user._cockpit_role
        return cached
    names = set(user.groups.values_list("name", flat=True))
    role = next((r for r in ROLES if r in names), None)
    user._cockpit_role = role
    user._cockpit_company_wide = COMPANY_WIDE in names  # read with the role: no query of its own
    return role


def is_company_wide_manager(user: Any) -> bool:
    """A manager explicitly marked as seeing every customer (the COMPANY_WIDE group)."""
    if user_role(user) != MANAGER:
        return False
    if not hasattr(user, "_cockpit_company_wide"):  # the role was remembered by someone else
        user._cockpit_company_wide = user.groups.filter(name=COMPANY_WIDE).exists()
    return bool(user._cockpit_company_wide)


# What a user object remembers of its role and scope for the rest of its request (customers.selectors).
MEMOS = ("_cockpit_role", "_cockpit_company_wide", "_cockpit_regions", "_cockpit_salesperson")


def user_memo_clear(user: Any) -> None:
    """Forget the remembered role, regions and salesperson: after they were changed on this same object."""
    for name in MEMOS:
        if hasattr(user, name):
            delattr(user, name)


def is_admin(user: Any) -> bool:
    return user_role(user) == ADMIN


def is_manager_or_admin(user: Any) -> bool:
    return user_role(user) in (ADMIN, MANAGER)
