"""Admin and manager writes on customers and people (issue 6); every change goes to the AuditLog."""

from .errors import AdminError
from .merge import MergeReport, customers_merge
from .overrides import customer_override_clear, customer_override_set
from .people import (
    customers_reassign,
    salesperson_customers,
    salesperson_deactivate,
    user_create,
    user_password_set,
    user_role_set,
    user_set_active,
    user_token_create,
    user_token_revoke,
)

__all__ = [
    "AdminError", "MergeReport", "customer_override_clear", "customer_override_set", "customers_merge",
    "customers_reassign", "salesperson_customers", "salesperson_deactivate", "user_create", "user_password_set",
    "user_role_set", "user_set_active", "user_token_create", "user_token_revoke",
]
