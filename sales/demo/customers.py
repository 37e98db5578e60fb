"""How each demo customer buys: size, rhythm, trend, when they start and stop, and last-month surprises.

Sizes follow a heavy tail (lognormal monthly spend with a Pareto boost for a few chain stores), so the grade
pyramid of docs/analytics.md §3.1 has a handful of A customers and a long tail of C and D. Behaviour kinds are assigned
in exact proportions (a seeded permutation), so even a 60-customer demo has every kind.
"""

from dataclasses import dataclass

import numpy as np

from .calendar import Period

SEED_STAGE = 2
MEDIAN_SPEND = 2500.0  # CNY per month of a typical small shop
SPEND_SIGMA = 1.15
TAIL_SHARE = 0.02  # chain stores and canteens with a Pareto-sized boost
BASE_FREQUENCY = 2.2  # orders per month of a median customer
# Behaviour kinds in exact shares; the rest are steady customers.
NEVER, STEADY, GROWING, DECLINING, CHURNING = range(5)
SHARES = {NEVER: 0.05, GROWING: 0.15, DECLINING: 0.13, CHURNING: 0.12}
LATE_START_SHARE = 0.25  # customers whose first order falls inside the period
SURGE_SHARE = PLUNGE_SHARE = 0.04
SURPRISE_DAYS = 30  # surge / plunge act on the last 30 days, against the 30 before (docs/analytics.md §3.3)
CREDIT_30, CREDIT_60 = 0.28, 0.14
PUNCTUAL, LATE_PAYER, BAD_PAYER = range(3)


@dataclass
class Behaviour:
    """One entry per customer (index = customer position, code = index + 1)."""

    kind: np.ndarray
    spend: np.ndarray  # CNY per month at the middle of the period
    frequency: np.ndarray  # orders per month at the middle of the period
    regularity: np.ndarray  # gamma shape of the gaps between orders: 1 = Poisson, 6 = nearly fixed rhythm
    growth: np.ndarray  # log growth per month
    start_day: np.ndarray  # first day (index) they may order; period.days for never-buyers
    stop_day: np.ndarray  # first day they no longer order (churn); period.days if they never stop
    first_seen_day: np.ndarray  # may be negative: known before the period started
    last30_factor: np.ndarray  # order intensity in the last 30 days (surge > 1, plunge < 1)
    discount: np.ndarray  # price factor (big customers get a few percent off list)
    credit_days: np.ndarray
    payer: np.ndarray
    bad_from_day: np.ndarray  # a bad payer stops paying statements from this day

    def __len__(self) -> int:
        return len(self.kind)


def _exact_kinds(rng: np.random.Generator, n: int) -> np.ndarray:
    kinds = np.full(n, STEADY, dtype=np.int8)
    order = rng.permutation(n)
    at = 0
    for kind, share in SHARES.items():
        count = max(1, round(share * n)) if n >= 20 else round(share * n)
        kinds[order[at:at + count]] = kind
        at += count
    return kinds


def behaviour_generate(*, n: int, period: Period, seed: int) -> Behaviour:
    """Draw every customer's buying behaviour (see the module docstring)."""
    rng = np.random.default_rng([seed, SEED_STAGE])
    days = period.days
    kind = _exact_kinds(rng, n)
    z = rng.standard_normal(n)
    spend = MEDIAN_SPEND * np.exp(SPEND_SIGMA * z)
    tail = rng.random(n) < TAIL_SHARE
    spend[tail] *= 3.0 * (1.0 + rng.pareto(1.4, tail.sum()))
    frequency = np.clip(BASE_FREQUENCY * (spend / MEDIAN_SPEND) ** 0.3 * np.exp(0.3 * rng.standard_normal(n)), 0.4, 25)
    growth = np.select(
        [kind == GROWING, kind == DECLINING],
        [np.clip(rng.normal(0.045, 0.02, n), 0.015, None), np.clip(rng.normal(-0.05, 0.02, n), None, -0.015)],
        rng.normal(0.0, 0.006, n),
    )
    start_day, first_seen_day = _starts(rng, kind, period)
    stop_day = np.full(n, days, dtype=np.int64)
    churn = kind == CHURNING
    lo = np.maximum(start_day + 45, days // 5)
    can = churn & (lo < days - 20)
    stop_day[can] = lo[can] + (rng.random(can.sum()) * (days - 20 - lo[can])).astype(np.int64)
    last30 = _surprises(rng, kind, start_day, stop_day, days)
    credit_u = rng.random(n)
    # Bigger shops more often buy on credit; the smallest pay cash on delivery.
    credit_p = np.clip(0.42 + 0.12 * z, 0.08, 0.9)
    credit_days = np.where(credit_u < credit_p * CREDIT_60 / (CREDIT_30 + CREDIT_60), 60,
                           np.where(credit_u < credit_p, 30, 0))
    payer = rng.choice(3, size=n, p=[0.62, 0.3, 0.08])
    bad_from_day = np.where(payer == BAD_PAYER, (days * rng.uniform(0.4, 0.9, n)).astype(np.int64), days)
    return Behaviour(
        kind=kind, spend=spend, frequency=frequency, regularity=rng.uniform(2.0, 8.0, n), growth=growth,
        start_day=start_day, stop_day=stop_day,
        first_seen_day=first_seen_day, last30_factor=last30,
        discount=1.0 - np.clip(0.02 + 0.015 * z, 0.0, 0.08), credit_days=credit_days.astype(np.int64),
        payer=payer, bad_from_day=bad_from_day,
    )


def _starts(rng: np.random.Generator, kind: np.ndarray, period: Period) -> tuple[np.ndarray, np.ndarray]:
    """First possible order day and first-seen day: old customers, newcomers in later months, never-buyers."""
    n, days, months = len(kind), period.days, len(period.month_starts)
    start_day = np.zeros(n, dtype=np.int64)
    first_seen = -rng.integers(30, 2000, n)  # known for up to ~5 years before the period
    late = (kind != NEVER) & (rng.random(n) < LATE_START_SHARE)
    month = rng.integers(1, max(2, months), late.sum()) if months > 1 else np.zeros(late.sum(), dtype=np.int64)
    month_lo = np.array([period.month_bounds(int(m))[0] for m in range(months)] + [days])
    start_day[late] = np.minimum(month_lo[month] + rng.integers(0, 28, late.sum()), days - 1)
    first_seen[late] = start_day[late] - rng.integers(0, 10, late.sum())
    never = kind == NEVER
    start_day[never] = days
    first_seen[never] = rng.integers(-365, days, never.sum())
    return start_day, first_seen.astype(np.int64)


def _surprises(rng, kind, start_day, stop_day, days) -> np.ndarray:
    """Factor on the last 30 days' order intensity for a few established, still-active customers."""
    factor = np.ones(len(kind))
    eligible = np.nonzero((kind != NEVER) & (start_day < days - 3 * SURPRISE_DAYS) & (stop_day >= days))[0]
    picks = rng.permutation(eligible)
    n_surge = min(len(picks) // 2, max(1, round(SURGE_SHARE * len(kind))))
    n_plunge = min(len(picks) - n_surge, max(1, round(PLUNGE_SHARE * len(kind))))
    factor[picks[:n_surge]] = rng.uniform(2.2, 3.5, n_surge)
    factor[picks[n_surge:n_surge + n_plunge]] = rng.uniform(0.05, 0.35, n_plunge)
    return factor
