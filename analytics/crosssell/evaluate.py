"""Hold-out checks of cross-sell against two baselines (docs/analytics.md §3.8 (issue 21)): hit rate, recall and MAP
at 10.

Scorers: "similar" (similar customers, what the profile shows), "items" (item-item similarity blended with
popularity), and the baselines "popular" (most bought overall) and "segment" (most bought in the customer's
region and shop type). The profile's engine "wins" only where it beats both baselines on hit@10.
Two protocols, both reported by `crosssell_eval`, "next" at several hold-out windows:
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

from .engine import NEIGHBOURS, Basket, suggest, suggest_items, suggest_popular, suggest_segment_popular

SCORERS = ("similar", "items", "popular", "segment")
BASELINES = ("popular", "segment")

SEED = 20250303


def _hits(suggested: list[np.ndarray], targets: list[set[int]]) -> dict[str, float]:
    """hit rate (at least one target suggested), recall (share of targets suggested) and MAP (average precision
    at each hit, over min(targets, list length)), averaged over customers."""
    hit, recall, ap = [], [], []
    for s, t in zip(suggested, targets, strict=True):
        found = np.array([item in t for item in s.tolist()], dtype=bool)
        hit.append(bool(found.any()))
        recall.append(found.sum() / len(t))
        ranks = np.flatnonzero(found) + 1
        ap.append(float((np.arange(1, len(ranks) + 1) / ranks).sum() / max(1, min(len(t), len(s)))))
    return {"hit_rate": float(np.mean(hit)), "recall": float(np.mean(recall)), "map": float(np.mean(ap))}


def _report(basket: Basket, rows: np.ndarray, query: sparse.csr_matrix, targets: list[set[int]], *,
            limit: int, k: int, segments: np.ndarray | None) -> dict[str, Any]:
    segs = np.zeros(len(basket.customers), dtype=np.int64) if segments is None else segments
    lists = {
        "similar": suggest(basket.matrix, rows, limit=limit, k=k, query=query).items,
        "items": suggest_items(basket.matrix, query, limit=limit),
        "popular": suggest_popular(basket.matrix, query, limit=limit),
        "segment": suggest_segment_popular(basket.matrix, query, segs, segs[rows], limit=limit),
    }
    out: dict[str, Any] = {"test_customers": len(rows), "items": len(basket.items),
                           "customers": len(basket.customers)}
    out.update({name: _hits(found, targets) for name, found in lists.items()})
    out["beats_popularity"] = out["similar"]["hit_rate"] > out["popular"]["hit_rate"]
    out["beats_baselines"] = all(out["similar"]["hit_rate"] > out[b]["hit_rate"] for b in BASELINES)
    return out


def segment_codes(customers: np.ndarray, segment_of: dict[int, Any] | None) -> np.ndarray | None:
    """An integer code per basket row from customer id -> segment (any hashable); None without segments."""
    if segment_of is None:
        return None
    labels = [segment_of.get(int(c)) for c in customers]
    _, codes = np.unique(np.array([repr(x) for x in labels]), return_inverse=True)
    return codes.astype(np.int64)


def _sample(candidates: np.ndarray, max_test: int, rng: np.random.Generator) -> np.ndarray:
    if len(candidates) > max_test:
        candidates = np.sort(rng.choice(candidates, size=max_test, replace=False))
    return candidates


def holdout_next(firsts: pd.DataFrame, cutoff: dt.date, *, limit: int = 10, k: int = NEIGHBOURS,
                 min_items: int = 2, max_test: int = 2000, seed: int = SEED,
                 segment_of: dict[int, Any] | None = None, until: dt.date | None = None) -> dict[str, Any]:
    """"next" protocol on DataFrame[customer_id, item_id, first_date] (first purchase of the item by them)."""
    first = pd.to_datetime(firsts["first_date"])
    before = firsts[first <= pd.Timestamp(cutoff)]
    after = firsts[(first > pd.Timestamp(cutoff)) & (first <= pd.Timestamp(until or dt.date.max))]
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
    return _report(basket, rows, basket.matrix[rows], targets, limit=limit, k=k,
                   segments=segment_codes(basket.customers, segment_of))


def holdout_leave_one_out(pairs: pd.DataFrame, *, limit: int = 10, k: int = NEIGHBOURS, min_items: int = 3,
                          max_test: int = 2000, seed: int = SEED,
                          segment_of: dict[int, Any] | None = None) -> dict[str, Any]:
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
    return _report(hidden_basket, rows, hidden_basket.matrix[rows], targets, limit=limit, k=k,
                   segments=segment_codes(basket.customers, segment_of))
