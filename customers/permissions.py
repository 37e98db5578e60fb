"""DRF permissions by role (docs/roles.md §1), shared by every app's API."""

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from .roles import is_admin, is_manager_or_admin


class IsAdminRole(permissions.BasePermission):
    """The admin role (integrators hold an admin-role token)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_admin(request.user)


class IsManagerOrAdminRole(permissions.BasePermission):
    """Managers (of any region) and admins."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_manager_or_admin(request.user)
