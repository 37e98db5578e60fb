"""The customer list's filter, lent to coupons for a send to "all N matching" (coupons.selection.LIST_FILTER).

Coupons sits below the cockpit and may not import it; CockpitConfig.ready registers `list_filter` there.
"""

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from coupons.messages import CouponError
from customers.models import Customer

from .selectors.customers import customer_rows


def list_filter(user: Any, qs: QuerySet[Customer], filters: Mapping[str, list[str]]) -> QuerySet[Customer]:
    """`qs` narrowed to the customers the customer list shows `user` for these parameters."""
    params = QueryDict(mutable=True)
    for key, values in filters.items():
        params.setlist(key, values)
    data = customer_rows(user=user, params=params)
    if data.filterset.is_bound and not data.filterset.is_valid():
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in data.filterset.errors.items())
        raise CouponError(_("The list filters could not be read: %(problems)s") % {"problems": problems})
    return qs.filter(pk__in=data.rows.order_by().values("customer_id"))
