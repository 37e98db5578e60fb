"""Cross-sell suggestions for one customer's profile (docs/analytics.md §3.8), scoped like every read of customers.

The customer x item matrix of the last 24 months is built with one GROUP BY and kept in memory per process
until an order or line is added (max ids and the order count change) or an hour passes, so a profile view
costs one cheap fingerprint query and one sparse row product.
"""

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from scipy import sparse

from customers.models import Customer
from customers.selectors import customer_list
from sales.models import Order, OrderLine

from .data import LEVELS, item_labels, purchases
from .engine import NEIGHBOURS, Basket, suggest

WINDOW_DAYS = 730
TTL_SECONDS = 3600
_cache: dict[tuple[str, dt.date], tuple[tuple[Any, ...], float, Basket]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Suggestion:
    level: str
    item_id: int
    code: str
    name: str
    bought_by: int  # of `neighbours` similar customers; 0 = filled in from overall popularity
    neighbours: int
    reason: str


def _fingerprint() -> tuple[Any, ...]:
    orders = Order.objects.aggregate(n=Count("id"), top=Max("id"))
    return orders["n"], orders["top"], OrderLine.objects.aggregate(top=Max("id"))["top"]


def crosssell_basket(*, level: str, as_of: dt.date) -> Basket:
    """The customer x item matrix of the WINDOW_DAYS up to T, from the per-process cache when still fresh."""
    key, mark = (level, as_of), _fingerprint()
    with _lock:
        hit = _cache.get(key)
        if hit and hit[0] == mark and time.monotonic() - hit[1] < TTL_SECONDS:
            return hit[2]
    frame = purchases(as_of=as_of, level=level, since=as_of - dt.timedelta(days=WINDOW_DAYS))
    basket = Basket.from_pairs(frame[["customer_id", "item_id"]])
    with _lock:
        if len(_cache) > 8:
            _cache.clear()
        _cache[key] = (mark, time.monotonic(), basket)
    return basket


def _reason(bought_by: int, neighbours: int) -> str:
    if bought_by:
        return _("bought by %(n)s of %(k)s similar customers") % {"n": bought_by, "k": neighbours}
    return _("popular with customers like the rest of the book")


def crosssell_for(*, user: Any, customer: Customer, limit: int = 10, level: str = "product",
                  as_of: dt.date | None = None) -> list[Suggestion]:
    """Products (or categories) that the customer's NEIGHBOURS most similar customers buy and they do not.

    docs/analytics.md §3.8; empty when `user` may not see the customer (scoping: customers.selectors). A customer with
    no purchase history, or no similar customer, gets the most popular items instead (reason says so).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    if not customer_list(user=user).filter(pk=customer.pk).exists():
        return []
    basket = crosssell_basket(level=level, as_of=as_of or timezone.localdate())
    if not len(basket.items):
        return []
    row = basket.row_of(customer.pk)
    if row is None:  # nothing bought in the window: no neighbours, the popular items stand in
        found = suggest(basket.matrix, [-1], limit=limit, k=NEIGHBOURS,
                        query=sparse.csr_matrix((1, len(basket.items))))
    else:
        found = suggest(basket.matrix, [row], limit=limit, k=NEIGHBOURS)
    ids = [int(basket.items[c]) for c in found.items[0]]
    labels, k = item_labels(level, ids), int(found.neighbours[0])
    return [
        Suggestion(level=level, item_id=i, code=labels.get(i, ("", ""))[0], name=labels.get(i, ("", ""))[1],
                   bought_by=int(n), neighbours=k, reason=_reason(int(n), k))
        for i, n in zip(ids, found.bought_by[0], strict=True)
    ]


def crosssell_wins(level: str) -> bool:
    """The latest saved hold-out's verdict for `level` (crosssell_eval --save, issue 21): similar customers beat
    popularity and segment popularity on every protocol. Before any saved check the suggestions are shown."""
    from analytics.models import CrossSellEval

    latest = CrossSellEval.objects.filter(level=level).order_by("-evaluated_at", "-id").first()
    return latest is None or latest.wins
