"""Purchases with a clear taste structure: shop types that buy different parts of the catalogue.

Restaurants buy oils, rice and sauces; convenience stores drinks and snacks; canteens a bit of both; the
largest group (convenience stores) makes drinks the most popular items overall, so popularity alone suggests
drinks to a restaurant. Each customer buys a random subset of their type's items plus a little noise.
"""

import datetime as dt

import numpy as np
import pandas as pd

TYPES = {  # share of customers, preferred item ids
    "convenience": (0.55, list(range(0, 30))),
    "restaurant": (0.25, list(range(30, 50))),
    "canteen": (0.20, list(range(20, 40))),
}
ITEMS = 60


def affinity_purchases(*, customers: int = 1500, seed: int = 5, start: dt.date = dt.date(2025, 1, 1),
                       days: int = 365) -> pd.DataFrame:
    """customer_id, item_id, first_date: one row per (customer, item) first bought within `days`."""
    rng = np.random.default_rng(seed)
    names = list(TYPES)
    kind = rng.choice(len(names), size=customers, p=[TYPES[n][0] for n in names])
    rows = []
    for c in range(customers):
        liked = np.array(TYPES[names[kind[c]]][1])
        weights = np.linspace(2.0, 1.0, len(liked))  # within a type some items are favourites
        n = rng.integers(3, 12)
        picks = set(rng.choice(liked, size=min(n, len(liked)), replace=False, p=weights / weights.sum()).tolist())
        picks |= set(rng.integers(0, ITEMS, rng.integers(0, 2)).tolist())  # a little noise
        for item in sorted(picks):
            rows.append((c + 1, item + 1, start + dt.timedelta(days=int(rng.integers(0, days)))))
    return pd.DataFrame(rows, columns=["customer_id", "item_id", "first_date"])
