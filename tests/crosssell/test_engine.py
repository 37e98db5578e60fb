"""Cross-sell engine and hold-out: a hand-checked neighbourhood, and a real win on data with taste structure."""

import datetime as dt

import numpy as np
import pandas as pd

from analytics.crosssell.engine import Basket, suggest, suggest_items, suggest_popular, suggest_segment_popular
from analytics.crosssell.evaluate import _hits, holdout_leave_one_out, holdout_next
from tests.crosssell.synth import affinity_purchases


def basket(pairs):
    return Basket.from_pairs(pd.DataFrame(pairs, columns=["customer_id", "item_id"]))


def test_similar_customers_suggest_what_they_buy_and_this_one_does_not():
    b = basket([
        (1, 10), (1, 11),            # the customer asking
        (2, 10), (2, 11), (2, 12),   # very like 1, also buys 12
        (3, 10), (3, 11), (3, 12),
        (4, 20), (4, 21), (5, 20), (5, 21), (6, 20), (6, 21),  # another taste: 20, 21 most popular overall
    ])
    found = suggest(b.matrix, [b.row_of(1)], limit=3, k=2)
    items = [int(b.items[c]) for c in found.items[0]]
    assert items[0] == 12 and found.bought_by[0][0] == 2 and found.neighbours[0] == 2
    assert 10 not in items and 11 not in items  # never what they already buy
    popular = [int(b.items[c]) for c in suggest_popular(b.matrix, b.matrix[[b.row_of(1)]], limit=1)[0]]
    assert popular == [20]


def test_a_customer_outside_the_matrix_gets_the_popular_items():
    from scipy import sparse

    b = basket([(1, 10), (2, 10), (3, 11)])
    found = suggest(b.matrix, [-1], limit=2, query=sparse.csr_matrix((1, 2)))
    assert [int(b.items[c]) for c in found.items[0]] == [10, 11]
    assert found.bought_by[0].tolist() == [0, 0] and found.neighbours[0] == 0


def test_holdout_beats_popularity_when_taste_has_structure():
    firsts = affinity_purchases(customers=1200, seed=9)
    nxt = holdout_next(firsts, dt.date(2025, 10, 1))
    loo = holdout_leave_one_out(firsts[["customer_id", "item_id"]])
    assert nxt["test_customers"] > 500 and loo["test_customers"] > 1000
    assert nxt["similar"]["hit_rate"] > nxt["popular"]["hit_rate"] + 0.1, nxt
    assert loo["similar"]["hit_rate"] > loo["popular"]["hit_rate"] + 0.1, loo


def test_holdout_is_reproducible_and_honest_without_structure():
    rng = np.random.default_rng(1)
    # Everyone draws from the same popularity curve: similarity has nothing to learn.
    pop = np.linspace(3, 1, 40) / np.linspace(3, 1, 40).sum()
    rows = [(c, int(i)) for c in range(1, 801) for i in set(rng.choice(40, size=6, p=pop).tolist())]
    pairs = pd.DataFrame(rows, columns=["customer_id", "item_id"])
    first, second = holdout_leave_one_out(pairs), holdout_leave_one_out(pairs)
    assert first == second
    assert abs(first["similar"]["hit_rate"] - first["popular"]["hit_rate"]) < 0.06  # the prior pulls it home


def test_item_item_suggests_what_is_bought_with_their_items_never_what_they_have():
    b = basket([
        (1, 10),                                # the customer asking: buys 10
        (2, 10), (2, 12), (3, 10), (3, 12),     # 10 goes with 12
        (4, 20), (4, 21), (5, 20), (5, 21), (6, 20), (6, 21), (7, 21),  # 20 and 21: most popular, unrelated
    ])
    found = suggest_items(b.matrix, b.matrix[[b.row_of(1)]], limit=2)[0]
    items = [int(b.items[c]) for c in found]
    assert items[0] == 12 and 10 not in items


def test_segment_popularity_suggests_what_the_customers_segment_buys():
    b = basket([(1, 10), (2, 11), (3, 11), (4, 12), (5, 12), (6, 12)])
    segments = np.array([0, 0, 0, 1, 1, 1])  # customers 1-3 one segment, 4-6 another
    query = b.matrix[[b.row_of(1)]]
    found = suggest_segment_popular(b.matrix, query, segments, segments[[b.row_of(1)]], limit=2)[0]
    assert [int(b.items[c]) for c in found] == [11, 12]  # the segment's favourite first, then overall
    assert [int(b.items[c]) for c in suggest_popular(b.matrix, query, limit=1)[0]] == [12]


def test_hit_recall_and_map_at_ten():
    scores = _hits([np.array([5, 1, 7]), np.array([2, 3])], [{1, 9}, {4}])
    # customer 1: hit at rank 2 of 2 targets -> recall 1/2, AP = (1/2) / 2; customer 2: nothing
    assert scores == {"hit_rate": 0.5, "recall": 0.25, "map": 0.125}


def test_item_item_and_both_baselines_on_data_with_taste_structure():
    firsts = affinity_purchases(customers=1200, seed=9)
    loo = holdout_leave_one_out(firsts[["customer_id", "item_id"]])
    assert loo["items"]["hit_rate"] > loo["popular"]["hit_rate"] + 0.1, loo
    assert loo["segment"] == loo["popular"]  # without segments the segment baseline is popularity
