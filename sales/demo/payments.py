"""Payments of credit customers: one statement payment per customer and month of orders (docs/analytics.md §2
receivables).

Each credit customer pays the month's net amount (returns are credits) once. Punctual payers pay by the due date
of the month's first order; late payers 3-60 days after it; bad payers stop paying from some day on. One payment
in ten covers only part of the statement. Payments dated after the period's end do not exist yet, so the most
recent receivables are still open.
"""

from dataclasses import dataclass

import numpy as np

from .customers import LATE_PAYER, PUNCTUAL, Behaviour
from .orders import MonthOrders

SEED_STAGE = 4
PARTIAL_SHARE = 0.1


@dataclass
class MonthPayments:
    customer: np.ndarray
    day: np.ndarray
    amount_fen: np.ndarray


def month_payments(*, m: int, orders: MonthOrders, who: Behaviour, days: int, seed: int) -> MonthPayments:
    """The payments settling month m's orders, sorted by (day, customer); amounts always > 0."""
    rng = np.random.default_rng([seed, SEED_STAGE, m])
    n = len(who)
    live = ~orders.cancelled & (who.credit_days[orders.customer] > 0)
    net = np.zeros(n, dtype=np.int64)
    np.add.at(net, orders.customer[live], orders.amount_fen[live])
    first = np.full(n, days, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    np.minimum.at(first, orders.customer[live], orders.day[live])
    np.maximum.at(last, orders.customer[live], orders.day[live])
    payers = np.nonzero(net > 0)[0]
    k = len(payers)
    due = first[payers] + who.credit_days[payers]
    kind = who.payer[payers]
    delay = np.where(kind == PUNCTUAL, -rng.integers(0, 4, k), rng.integers(3, 61, k))
    # Nobody pays a statement before its last delivery.
    day = np.maximum(due + delay, last[payers] + 1)
    part = np.where(rng.random(k) < PARTIAL_SHARE, rng.uniform(0.5, 0.95, k), 1.0)
    amount = np.floor(net[payers] * part).astype(np.int64)
    paying = (kind == PUNCTUAL) | (kind == LATE_PAYER) | (day < who.bad_from_day[payers])
    keep = paying & (day < days) & (amount > 0)
    customer, day, amount = payers[keep], day[keep], amount[keep]
    order = np.lexsort((customer, day))
    return MonthPayments(customer=customer[order], day=day[order], amount_fen=amount[order])
