"""Property tests (STYLE: grades monotone in sales, every buyer graded, same answer on re-run)."""

from decimal import Decimal as D

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.engine.grading import (
    grade_cumulative_share,
    grade_fixed_amount,
    grade_rank_percentile,
    grade_weighted_score,
)
from analytics.engine.policy import Weights
from analytics.engine.rfm import quintile_score
from analytics.engine.surge import surge_plunge

ORDER = {"A": 4, "B": 3, "C": 2, "D": 1}
sales_lists = st.lists(st.integers(min_value=-10**9, max_value=10**12), min_size=0, max_size=60)
cut = st.decimals(min_value=0, max_value=1, places=3)


def frame(values):
    index = [f"k{i:03d}" for i in range(len(values))]
    sales = pd.Series(values, index=index, dtype="int64")
    return sales, pd.Series(index, index=index, dtype="str")


def monotone(sales, grades):
    """Higher sales never get a lower grade; with equal sales, the lower code never gets a lower grade."""
    rank = grades.map(ORDER)
    ordered = pd.DataFrame({"s": sales, "g": rank, "c": sales.index}).sort_values(
        ["s", "c"], ascending=[False, True])
    return ordered["g"].is_monotonic_decreasing


@settings(max_examples=150, deadline=None)
@given(sales_lists, cut, cut)
def test_cumulative_share_monotone_and_every_buyer_a_to_c(values, a, b):
    a, b = min(a, b), max(a, b)
    sales, codes = frame(values)
    grades = grade_cumulative_share(sales, codes, a=a, b=b)
    assert monotone(sales, grades)
    assert (grades[sales > 0].isin(["A", "B", "C"])).all()
    assert (grades[sales <= 0] == "D").all()
    if (sales > 0).any() and a > 0:
        assert (grades == "A").any()  # the top buyer always crosses a positive cut
    assert grades.equals(grade_cumulative_share(sales, codes, a=a, b=b))


@settings(max_examples=150, deadline=None)
@given(sales_lists, st.lists(cut, min_size=3, max_size=3))
def test_rank_percentile_monotone_and_counts_exact(values, cuts):
    a, b, c = sorted(cuts)
    sales, codes = frame(values)
    grades = grade_rank_percentile(sales, codes, a=a, b=b, c=c)
    assert monotone(sales, grades)
    n = int((sales > 0).sum())
    counts = grades.value_counts()
    expected_a = -(-int(a * 1000) * n // 1000)  # ceil(a n), a has 3 decimal places
    assert counts.get("A", 0) == expected_a
    assert (grades[sales <= 0] == "D").all()


@settings(max_examples=150, deadline=None)
@given(sales_lists, st.lists(st.decimals(min_value=0, max_value=10**7, places=2), min_size=3, max_size=3,
                             unique=True))
def test_fixed_amount_monotone(values, amounts):
    c, b, a = sorted(amounts)
    sales, _ = frame(values)
    grades = grade_fixed_amount(sales, a=a, b=b, c=c)
    assert monotone(sales, grades)
    reach_a = (sales > 0) & (sales >= int(a * 100))  # a has 2 places, so a x 100 is a whole number of fen
    assert (grades[reach_a] == "A").all()
    assert (grades[(sales > 0) & (sales < int(c * 100))] == "D").all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-1000, 10**6), st.integers(-1000, 10**6), st.integers(0, 50),
                          st.integers(0, 12)), min_size=1, max_size=40))
def test_weighted_score_every_buyer_graded_and_deterministic(rows):
    metrics = pd.DataFrame(rows, columns=["sales_fen", "profit_fen", "orders", "months"])
    metrics.index = [f"k{i:03d}" for i in range(len(rows))]
    metrics["loyalty"] = metrics["months"] / 12
    metrics["punctuality"] = 1.0
    codes = pd.Series(metrics.index, index=metrics.index, dtype="str")
    got = grade_weighted_score(metrics, codes, weights=Weights(), a=D("0.2"), b=D("0.6"))
    buyers = metrics["sales_fen"] > 0
    assert got.loc[buyers, "grade"].isin(["A", "B", "C"]).all()
    assert (got.loc[~buyers, "grade"] == "D").all()
    assert got["score"][buyers].between(0, 100).all()
    # a higher score never gets a lower grade
    ranked = got[buyers].assign(g=got["grade"].map(ORDER)).sort_values("score", ascending=False)
    assert ranked["g"].is_monotonic_decreasing or ranked["score"].duplicated().any()
    pd.testing.assert_frame_equal(got, grade_weighted_score(metrics, codes, weights=Weights(), a=D("0.2"),
                                                            b=D("0.6")))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 10**12), min_size=1, max_size=50))
def test_quintile_scores_in_range_and_monotone(values):
    s = pd.Series(values)
    scores = quintile_score(s)
    assert scores.between(1, 5).all()
    if (s == s.max()).sum() == 1:  # a unique best value has rank n -> score 5
        assert scores[s.idxmax()] == 5
    assert pd.DataFrame({"v": s, "q": scores}).sort_values("v")["q"].is_monotonic_increasing


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(-10**12, 10**12), st.integers(1, 10**12)), min_size=1, max_size=30),
       st.decimals(min_value=D("0.01"), max_value=5, places=2), st.decimals(min_value=D("0.01"), max_value=1, places=2))
def test_surge_plunge_matches_fraction_arithmetic(pairs, up, down):
    from fractions import Fraction

    cur = pd.Series([c for c, _ in pairs])
    prev = pd.Series([p for _, p in pairs])
    surge, plunge = surge_plunge(cur, prev, up=up, down=down, min_base=0)
    for i, (c, p) in enumerate(pairs):
        g = Fraction(c - p, p)
        assert surge[i] == (g >= Fraction(up)) and plunge[i] == (g <= -Fraction(down))
