"""One month of orders and lines, vectorised with numpy (no Python loop per order).

Orders arrive as a renewal process per customer (gamma gaps: shops restock on a rhythm) whose clock runs at
intensity = the customer's rhythm x their trend x the day's seasonality (Spring Festival dip, see calendar) x
their last-30-day surge / plunge factor, zero before they start and after they churn. About 2% of orders are
returns (negative quantities and amounts, cost takes the amount's sign) and 1% are cancelled. Lines are
products x quantity x the customer's price, the products drawn from the customer's taste (see taste); order
totals are the sums of their lines, in integer fen.
"""

from dataclasses import dataclass

import numpy as np

from .calendar import Period
from .catalog import Catalog
from .customers import SURPRISE_DAYS, Behaviour
from .taste import Taste, products_pick

SEED_STAGE = 3
RETURN_SHARE, CANCEL_SHARE = 0.02, 0.01
MAX_LINES = 5
CARRY_KEY = 100_000  # rng key of the initial carry, apart from the month keys 0..months-1


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
    *, m: int, period: Period, weights: np.ndarray, who: Behaviour, catalog: Catalog, taste: Taste, seed: int,
    carry: np.ndarray,
) -> MonthOrders:
    """Orders and lines of month m (docs/analytics.md §2: returns negative, cancelled never count); advances `carry`."""
    rng = np.random.default_rng([seed, SEED_STAGE, m])
    customer, day = _arrivals(rng, m, period, weights, who, carry)
    order = np.lexsort((customer, day))
    customer, day = customer[order], day[order]
    n = len(customer)
    u = rng.random(n)
    is_return = u < RETURN_SHARE
    cancelled = (u >= RETURN_SHARE) & (u < RETURN_SHARE + CANCEL_SHARE)
    months = len(period.month_starts)
    trend = np.exp(who.growth[customer] * (m - (months - 1) / 2) / 2)  # half the trend in value, half in rhythm
    target = who.spend[customer] / who.frequency[customer] * trend * np.exp(0.3 * rng.standard_normal(n) - 0.045)
    # A return sends back part of one earlier delivery.
    target = np.where(is_return, target * rng.uniform(0.05, 0.4, n), target) * 100
    lines = _lines(rng, target, is_return, customer, who, catalog, taste)
    amount = np.zeros(n, dtype=np.int64)
    cost = np.zeros(n, dtype=np.int64)
    np.add.at(amount, lines["order"], lines["amount"])
    np.add.at(cost, lines["order"], lines["cost"])
    return MonthOrders(
        customer=customer, day=day, is_return=is_return, cancelled=cancelled, amount_fen=amount, cost_fen=cost,
        line_order=lines["order"], line_no=lines["no"], line_product=lines["product"], line_qty=lines["qty"],
        line_price_fen=lines["price"], line_amount_fen=lines["amount"], line_cost_fen=lines["cost"],
    )


def arrivals_start(who: Behaviour, seed: int) -> np.ndarray:
    """Initial time to each customer's next order, in units of their own mean gap (carried month to month)."""
    rng = np.random.default_rng([seed, SEED_STAGE, CARRY_KEY])
    return rng.random(len(who))


def _arrivals(rng, m: int, period: Period, weights: np.ndarray, who: Behaviour,
              carry: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Customer and day of each order: a renewal process with gamma gaps in each customer's operational time.

    Shops restock on a rhythm, so gaps are gamma with shape `regularity` (1 would be Poisson, more is steadier);
    the clock runs at the customer's intensity (rhythm x trend x season x surprise), so holidays stretch gaps
    and a surge shortens them. `carry` holds the time left to the next order and moves on to the next month.
    """
    lo, hi = period.month_bounds(m)
    eligible = np.nonzero((who.start_day < hi) & (who.stop_day > lo))[0]
    if len(eligible) == 0:
        return eligible, eligible
    months, ndays = len(period.month_starts), hi - lo
    day = np.arange(lo, hi)
    rhythm = who.frequency[eligible] * np.exp(who.growth[eligible] * (m - (months - 1) / 2) / 2)
    rhythm *= np.exp(0.1 * rng.standard_normal(len(eligible)) - 0.005)  # some months are just busier
    surprise = np.where(day[None, :] >= period.days - SURPRISE_DAYS, who.last30_factor[eligible, None], 1.0)
    alive = (day[None, :] >= who.start_day[eligible, None]) & (day[None, :] < who.stop_day[eligible, None])
    cum = np.cumsum(rhythm[:, None] / 30.44 * weights[None, lo:hi] * surprise * alive, axis=1)
    total = cum[:, -1]
    # Enough gaps to pass the month's end for all but a vanishing few (mean + 6 sd + 3).
    shape = who.regularity[eligible]
    need = np.ceil(total + 6 * np.sqrt(total / shape) + 3).astype(np.int64)
    owner = np.repeat(np.arange(len(eligible)), need)
    gaps = rng.gamma(shape[owner], 1.0 / shape[owner])
    first = np.cumsum(need) - need
    gaps[first] = carry[eligible]  # the first order comes when the carried time runs out
    running = np.cumsum(gaps)
    at = running - (running[first] - gaps[first])[owner]
    inside = at < total[owner]
    # Time left to the next order: the first event past the month's end, minus the month's length.
    beyond = np.where(inside, np.inf, at)
    next_at = np.full(len(eligible), np.inf)
    np.minimum.at(next_at, owner, beyond)
    carry[eligible] = np.where(np.isfinite(next_at), next_at - total, rng.random(len(eligible)))
    # Day of each order: where the customer's cumulative intensity passes its time (rows offset to one axis).
    offset = np.cumsum(total + 1.0) - (total + 1.0)
    flat = (cum + offset[:, None]).ravel()
    pos = np.searchsorted(flat, at[inside] + offset[owner[inside]], side="right")
    return eligible[pos // ndays], lo + pos % ndays


def _lines(rng, target, is_return, customer, who: Behaviour, catalog: Catalog, taste: Taste) -> dict[str, np.ndarray]:
    n = len(target)
    k = np.where(is_return, rng.integers(1, 3, n), rng.integers(1, MAX_LINES + 1, n))
    order = np.repeat(np.arange(n), k)
    # Products from the customer's own taste (shop type, favourites), distinct within an order.
    product = products_pick(rng, taste, customer[order], order)
    order, product = order[product >= 0], product[product >= 0]
    starts = np.searchsorted(order, np.arange(n))
    no = np.arange(len(order)) - starts[order] + 1
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
