"""Cockpit pages: dashboard, customer list and exports, customer profile."""

from .customers import customer_columns, customer_export, customer_list
from .dashboard import dashboard, dashboard_outcomes
from .profile import customer_profile, visit_create

__all__ = [
    "customer_columns", "customer_export", "customer_list", "customer_profile", "dashboard", "dashboard_outcomes",
    "visit_create",
]
