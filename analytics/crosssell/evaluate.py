"""Hold-out checks of cross-sell against popularity (docs/analytics.md §3.8): hit rate at 10.

Two protocols, both reported by `crosssell_eval`:
- "next": learn from everything bought up to a cut-off date; test customers are those who, after the cut-off,
  bought an item they had never bought before. A hit = one of those new items is among their 10 suggestions.
  This is the question cross-sell answers ("what will they start buying?"), out of time.
- "leave_one_out": hide one random item of each test customer (seeded), suggest from the rest; a hit = the
  hidden item is among the 10.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from .engine import NEIGHBOURS, Basket, suggest, suggest_popular

SEED = 20250303


def _hits(suggested: list[np.ndarray], targets: list[set[int]]) -> tuple[float, float]:
    """(hit rate: at least one target suggested, recall: share of targets suggested), averaged over customers."""
    hit = [bool(t & set(s.tolist())) for s, t in zip(suggested, targets, strict=True)]
    recall = [len(t & set(s.tolist())) / len(t) for s, t in zip(suggested, targets, strict=True)]
    return float(np.mean(hit)), float(np.mean(recall))


def _report(basket: Basket, rows: np.ndarray, query: sparse.csr_matrix, targets: list[set[int]], *,
            limit: int, k: int) -> dict[str, Any]:
    knn = suggest(basket.matrix, rows, limit=limit, k=k, query=query)
    pop = suggest_popular(basket.matrix, query, limit=limit)
    knn_hit, knn_recall = _hits(knn.items, targets)
    pop_hit, pop_recall = _hits(pop, targets)
    return {
        "test_customers": len(rows), "items": len(basket.items), "customers": len(basket.customers),
        "similar": {"hit_rate": knn_hit, "recall": knn_recall},
        "popular": {"hit_rate": pop_hit, "recall": pop_recall},
        "beats_popularity": knn_hit > pop_hit,
    }


def _sample(candidates: np.ndarray, max_test: int, rng: np.random.Generator) -> np.ndarray:
    if len(candidates) > max_test:
        candidates = np.sort(rng.choice(candidates, size=max_test, replace=False))
    return candidates


def holdout_next(firsts: pd.DataFrame, cutoff: dt.date, *, limit: int = 10, k: int = NEIGHBOURS,
                 min_items: int = 2, max_test: int = 2000, seed: int = SEED) -> dict[str, Any]:
    """"next" protocol on DataFrame[customer_id, item_id, first_date] (first purchase of the item by them)."""
    first = pd.to_datetime(firsts["first_date"])
    before = firsts[first <= pd.Timestamp(cutoff)]
    after = firsts[first > pd.Timestamp(cutoff)]
    basket = Basket.from_pairs(before, items=np.unique(firsts["item_id"].to_numpy()))
    sizes = np.diff(basket.matrix.indptr)
    new = after[after["customer_id"].isin(basket.customers)]
    new_sets = new.groupby("customer_id")["item_id"].agg(set)
    rows = np.array([basket.row_of(c) for c in new_sets.index], dtype=np.int64)
    rows = rows[sizes[rows] >= min_items] if len(rows) else rows
    rows = _sample(rows, max_test, np.random.default_rng(seed))
    if not len(rows):
        return {"test_customers": 0, "reason": "nobody bought a new item after the cut-off"}
    item_col = {item: col for col, item in enumerate(basket.items)}
    targets = [{item_col[i] for i in new_sets[basket.customers[r]]} for r in rows]
    return _report(basket, rows, basket.matrix[rows], targets, limit=limit, k=k)


def holdout_leave_one_out(pairs: pd.DataFrame, *, limit: int = 10, k: int = NEIGHBOURS, min_items: int = 3,
                          max_test: int = 2000, seed: int = SEED) -> dict[str, Any]:
    """"leave_one_out" protocol on DataFrame[customer_id, item_id]."""
    rng = np.random.default_rng(seed)
    basket = Basket.from_pairs(pairs)
    sizes = np.diff(basket.matrix.indptr)
    rows = _sample(np.flatnonzero(sizes >= min_items), max_test, rng)
    if not len(rows):
        return {"test_customers": 0, "reason": f"no customer bought {min_items} or more items"}
    matrix = basket.matrix.tolil(copy=True)
    targets = []
    for r in rows:
        bought = basket.matrix[r].indices
        hidden = int(bought[rng.integers(len(bought))])
        matrix[r, hidden] = 0
        targets.append({hidden})
    hidden_basket = Basket(matrix=sparse.csr_matrix(matrix), customers=basket.customers, items=basket.items)
    hidden_basket.matrix.eliminate_zeros()
    return _report(hidden_basket, rows, hidden_basket.matrix[rows], targets, limit=limit, k=k)
