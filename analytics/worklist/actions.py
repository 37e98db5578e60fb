"""Coupons sent, as the worklist counts them (an action done, a treated customer), without importing coupons.

Analytics sits below coupons (tests/test_layers.py), so coupons hands its answer over in CouponsConfig.ready:
`register_coupons_sent`. Until it does (a project without coupons), no customer got a coupon.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet


@dataclass(frozen=True)
class CouponsSent:
    """Two reads of the sent coupons, each a queryset of rows with a `customer_id`."""

    # Sent or delivered, `sent_at` in [start, end) (aware datetimes): the outcomes' "coupon" action.
    between: Callable[[dt.datetime, dt.datetime], QuerySet[Any]]
    # Sent (sent_at set), send day in (after, until]: what settles a coupon action of the completion table.
    on_days: Callable[[dt.date, dt.date], QuerySet[Any]]


_sent: CouponsSent | None = None


def register_coupons_sent(source: CouponsSent) -> None:
    global _sent  # noqa: PLW0603 - one registration at start-up, by the app that owns the coupons
    _sent = source


def coupons_sent() -> CouponsSent | None:
    return _sent
