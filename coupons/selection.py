"""Which customers a send is about: explicit codes, or everyone the customer list shows for its querystring.

Every read goes through customers.selectors.customer_list(user=...), so a selection can only ever contain the
user's own customers (and the send service re-scopes it again).

`all=1` plus the customer list's querystring (period, filters, sort) selects exactly the rows the list shows:
`LIST_FILTER`, which the cockpit registers (cockpit/selection.py), runs the list's own selector for the user and
maps its snapshot rows back to Customer ids, inside the user's scope. Filters the list cannot read are refused
rather than silently ignored (that would widen the selection); with no list registered, any filter is refused.
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


def filter_lists(filters: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """The list filters of a request (QueryDict: every value of a repeated key) or of an API dict, as lists."""
    out: dict[str, list[str]] = {}
    if not filters:
        return out
    getlist = getattr(filters, "getlist", None)
    for key in filters:
        if key in OWN_PARAMS:
            continue
        raw = getlist(key) if getlist is not None else filters[key]
        values = [str(v) for v in (raw if isinstance(raw, list | tuple) else [raw]) if v not in ("", None)]
        if values:
            out[key] = values
    return out


ListFilter = Callable[[Any, QuerySet[Customer], Mapping[str, list[str]]], QuerySet[Customer]]
# (user, scoped customers, list parameters) -> the customers the customer list shows the user for them. The cockpit
# owns the list and registers its filter in CockpitConfig.ready (coupons sits below it and may not import it).
LIST_FILTER: ListFilter | None = None


def list_filter_register(list_filter: ListFilter) -> None:
    global LIST_FILTER  # noqa: PLW0603 - one registration at start-up, by the app that owns the customer list
    LIST_FILTER = list_filter


def selection_resolve(
    *, user: Any, codes: list[str] | None = None, select_all: bool = False, filters: Mapping[str, Any] | None = None,
) -> tuple[QuerySet[Customer], dict[str, Any]]:
    """(the scoped customers, a JSON description of the selection for the send request)."""
    lists = filter_lists(filters)
    qs = customer_list(user=user)
    if select_all:
        if LIST_FILTER is None:
            if lists:
                raise CouponError(f"list filters are not supported here: {', '.join(sorted(lists))}")
        else:
            qs = LIST_FILTER(user, qs, lists)
        described = {k: v[0] if len(v) == 1 else v for k, v in lists.items()}
        return qs, {"all": True, "filters": described}
    clean = list(dict.fromkeys(c.strip() for c in codes or [] if c and c.strip()))
    if not clean:
        raise CouponError("select at least one customer")
    if len(clean) > MAX_CODES:
        raise CouponError(f"at most {MAX_CODES} customers by code; use the list filter instead")
    return qs.filter(code__in=clean), {"codes": clean}
