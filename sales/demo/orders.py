"""One month of orders and lines, vectorised with numpy (no Python loop per order).

Orders arrive as a thinned Poisson process per customer and day: intensity = the customer's rhythm x their trend
x the day's seasonality (Spring Festival dip, see calendar) x their last-30-day surge / plunge factor, zero
before they start and after they churn. About 2% of orders are returns (negative quantities and amounts, cost
takes the amount's sign) and 1% are cancelled. Lines are products x quantity x the customer's price; order
totals are the sums of their lines, in integer fen.
"""

from dataclasses import dataclass

import numpy as np

from .calendar import Period
from .catalog import Catalog
from .customers import SURPRISE_DAYS, Behaviour

SEED_STAGE = 3
RETURN_SHARE, CANCEL_SHARE = 0.02, 0.01
MAX_LINES = 5
MAX_STEP = 40  # products of one order are distinct: offsets add up to < 4 x 40 < catalogue size


@dataclass
class MonthOrders:
    """Orders sorted by (day, customer); lines sorted by (order, line_no)."""

    customer: np.ndarray  # customer position
    day: np.ndarray
    is_return: np.ndarray
    cancelled: np.ndarray
    amount_fen: np.ndarray
    cost_fen: np.ndarray
    line_order: np.ndarray  # order position within the month
    line_no: np.ndarray
    line_product: np.ndarray  # catalogue position
    line_qty: np.ndarray
    line_price_fen: np.ndarray
    line_amount_fen: np.ndarray
    line_cost_fen: np.ndarray


def month_orders(
    *, m: int, period: Period, weights: np.ndarray, who: Behaviour, catalog: Catalog, seed: int
) -> MonthOrders:
    """Orders and lines of month m (DESIGN 2: returns negative, cancelled never count)."""
    rng = np.random.default_rng([seed, SEED_STAGE, m])
    customer, day = _arrivals(rng, m, period, weights, who)
    order = np.lexsort((customer, day))
    customer, day = customer[order], day[order]
    n = len(customer)
    u = rng.random(n)
    is_return = u < RETURN_SHARE
    cancelled = (u >= RETURN_SHARE) & (u < RETURN_SHARE + CANCEL_SHARE)
    months = len(period.month_starts)
    trend = np.exp(who.growth[customer] * (m - (months - 1) / 2) / 2)  # half the trend in value, half in rhythm
    target = who.spend[customer] / who.frequency[customer] * trend * np.exp(0.45 * rng.standard_normal(n) - 0.1)
    # A return sends back part of one earlier delivery.
    target = np.where(is_return, target * rng.uniform(0.05, 0.4, n), target) * 100
    lines = _lines(rng, target, is_return, customer, who, catalog)
    amount = np.zeros(n, dtype=np.int64)
    cost = np.zeros(n, dtype=np.int64)
    np.add.at(amount, lines["order"], lines["amount"])
    np.add.at(cost, lines["order"], lines["cost"])
    return MonthOrders(
        customer=customer, day=day, is_return=is_return, cancelled=cancelled, amount_fen=amount, cost_fen=cost,
        line_order=lines["order"], line_no=lines["no"], line_product=lines["product"], line_qty=lines["qty"],
        line_price_fen=lines["price"], line_amount_fen=lines["amount"], line_cost_fen=lines["cost"],
    )


def _arrivals(rng, m: int, period: Period, weights: np.ndarray, who: Behaviour) -> tuple[np.ndarray, np.ndarray]:
    """Customer and day of each order: candidates at the month's peak rate, thinned to each day's intensity."""
    lo, hi = period.month_bounds(m)
    wmax = weights[lo:hi].max()
    eligible = np.nonzero((who.start_day < hi) & (who.stop_day > lo))[0]
    window = period.days - SURPRISE_DAYS  # first day of the surge / plunge window
    factor = who.last30_factor[eligible]
    fmax = np.where(hi > window, np.maximum(factor, 1.0), 1.0)
    months = len(period.month_starts)
    rhythm = who.frequency[eligible] * np.exp(who.growth[eligible] * (m - (months - 1) / 2) / 2)
    noise = np.exp(0.2 * rng.standard_normal(len(eligible)) - 0.02)  # some months are just busier
    expected = rhythm * noise * wmax * fmax * (hi - lo) / 30.44
    count = rng.poisson(expected)
    pos = np.repeat(np.arange(len(eligible)), count)
    customer = eligible[pos]
    day = lo + rng.integers(0, hi - lo, len(pos))
    surprise = np.where(day >= window, factor[pos], 1.0)
    accept = weights[day] / wmax * surprise / fmax[pos]
    alive = (day >= who.start_day[customer]) & (day < who.stop_day[customer])
    keep = alive & (rng.random(len(pos)) < accept)
    return customer[keep], day[keep]


def _lines(rng, target, is_return, customer, who: Behaviour, catalog: Catalog) -> dict[str, np.ndarray]:
    n = len(target)
    k = np.where(is_return, rng.integers(1, 3, n), rng.integers(1, MAX_LINES + 1, n))
    order = np.repeat(np.arange(n), k)
    starts = np.cumsum(k) - k
    no = np.arange(len(order)) - starts[order] + 1
    first = rng.choice(len(catalog), size=n, p=catalog.popularity)
    step = np.where(no == 1, 0, rng.integers(1, MAX_STEP + 1, len(order)))
    running = np.cumsum(step)
    offset = running - running[starts][order]  # line 1 has step 0, so this restarts at 0 per order
    product = (first[order] + offset) % len(catalog)
    share = rng.exponential(1.0, len(order))
    total = np.zeros(n)
    np.add.at(total, order, share)
    price = np.maximum(1, np.rint(catalog.price_fen[product] * who.discount[customer][order])).astype(np.int64)
    qty = np.maximum(1, np.rint(target[order] * share / total[order] / price)).astype(np.int64)
    qty = np.where(is_return[order], -qty, qty)
    return {
        "order": order, "no": no, "product": product, "qty": qty, "price": price,
        "amount": qty * price, "cost": qty * catalog.cost_fen[product],
    }
