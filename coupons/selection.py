"""Which customers a send is about: explicit codes, or everyone matching the customer list's filter.

Every read goes through customers.selectors.customer_list(user=...), so a selection can only ever contain the
user's own customers (and the send service re-scopes it again).

TODO(list page): `all=1` plus the customer list's filters. The list page (another engineer) owns the filter
parameters; when it lands, `LIST_FILTER` below should point at its function that applies a querystring to a
customer queryset (e.g. ``cockpit.selectors.customer_filter_apply(qs, params) -> qs``), and the dialog link
from the list page passes its own querystring plus ``all=1``. Until then `all=1` with no filters means every
customer the user may see, and any other filter parameter is refused rather than silently ignored.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import QuerySet

from customers.models import Customer
from customers.selectors import customer_list

from .messages import CouponError

MAX_CODES = 5000
# Query parameters of the dialog itself, never list filters.
OWN_PARAMS = frozenset({"codes", "all", "campaign", "key", "idempotency_key", "csrfmiddlewaretoken", "page"})
LIST_FILTER: Callable[[QuerySet[Customer], Mapping[str, Any]], QuerySet[Customer]] | None = None


def selection_resolve(
    *, user: Any, codes: list[str] | None = None, select_all: bool = False, filters: Mapping[str, Any] | None = None,
) -> tuple[QuerySet[Customer], dict[str, Any]]:
    """(the scoped customers, a JSON description of the selection for the send request)."""
    filters = {k: v for k, v in (filters or {}).items() if k not in OWN_PARAMS and v not in ("", None, [])}
    qs = customer_list(user=user)
    if select_all:
        if filters:
            if LIST_FILTER is None:
                raise CouponError(f"list filters are not supported here yet: {', '.join(sorted(filters))}")
            qs = LIST_FILTER(qs, filters)
        return qs, {"all": True, "filters": filters}
    clean = list(dict.fromkeys(c.strip() for c in codes or [] if c and c.strip()))
    if not clean:
        raise CouponError("select at least one customer")
    if len(clean) > MAX_CODES:
        raise CouponError(f"at most {MAX_CODES} customers by code; use the list filter instead")
    return qs.filter(code__in=clean), {"codes": clean}
