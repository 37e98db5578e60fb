"""Hand-checked grades for every method (docs/analytics.md §3.1), overrides, movement and growth."""

import datetime as dt
from decimal import Decimal as D

import pandas as pd
import pytest

from analytics.engine.grading import (
    apply_override,
    buyer_rank,
    grade_cumulative_share,
    grade_customers,
    grade_fixed_amount,
    grade_rank_percentile,
    grade_weighted_score,
    growth,
    loyalty,
    movement,
)
from analytics.engine.policy import Weights, parse_policy


def series(mapping, dtype="int64"):
    return pd.Series(list(mapping.values()), index=list(mapping.keys()), dtype=dtype)


def codes_for(sales):
    return pd.Series(sales.index.astype(str), index=sales.index, dtype="str")


def as_dict(grades):
    return grades.to_dict()


# code -> sales (fen); input order deliberately not the ranking order
SHARE = series({"c3": 40, "b1": 200, "z1": -50, "a1": 300, "b2": 100, "c1": 100, "a2": 200, "c2": 60, "z0": 0})


def test_cumulative_share_hand_checked():
    # total 1000, cuts 200 / 800. Ranked: a1 300 (s=0) A, a2 200 (s=300) B, b1 200 (s=500, tie -> code) B,
    # b2 100 (s=700; crosses 800 -> higher grade) B, c1 100 (s=800 exactly at the cut) C, c2 C, c3 C.
    got = grade_cumulative_share(SHARE, codes_for(SHARE), a=D("0.2"), b=D("0.8"))
    assert as_dict(got) == {"c3": "C", "b1": "B", "z1": "D", "a1": "A", "b2": "B", "c1": "C", "a2": "B",
                            "c2": "C", "z0": "D"}
    assert list(got.index) == list(SHARE.index)


def test_cumulative_share_tie_broken_by_code_not_input_order():
    sales = series({"b": 100, "a": 100})
    assert as_dict(grade_cumulative_share(sales, codes_for(sales), a=D("0.5"), b=D("0.9"))) == {"b": "B", "a": "A"}


def test_cumulative_share_055_is_exact():
    # 100 buyers of 1 fen each: s = 0..99; A iff s < 55 exactly -> 55 A (floats make 0.55 x 100 = 55.000...01 -> 56)
    sales = pd.Series(1, index=[f"k{i:03d}" for i in range(100)], dtype="int64")
    got = grade_cumulative_share(sales, codes_for(sales), a=D("0.55"), b=D("0.8"))
    assert got.value_counts().to_dict() == {"A": 55, "B": 25, "C": 20}
    assert got["k054"] == "A" and got["k055"] == "B"


def test_cumulative_share_one_buyer_and_no_buyers():
    one = series({"x": 5, "y": 0, "z": -3})
    assert as_dict(grade_cumulative_share(one, codes_for(one), a=D("0.2"), b=D("0.8"))) == {
        "x": "A", "y": "D", "z": "D"}
    none = series({"x": 0, "y": -1})
    assert as_dict(grade_cumulative_share(none, codes_for(none), a=D("0.2"), b=D("0.8"))) == {"x": "D", "y": "D"}
    empty = pd.Series([], dtype="int64")
    assert len(grade_cumulative_share(empty, codes_for(empty), a=D("0.2"), b=D("0.8"))) == 0


def test_rank_percentile_007_gives_exactly_seven_a():
    sales = pd.Series(range(1000, 0, -10), index=[f"k{i:03d}" for i in range(100)], dtype="int64")
    got = grade_rank_percentile(sales, codes_for(sales), a=D("0.07"), b=D("0.55"), c=D("0.75"))
    assert got.value_counts().to_dict() == {"A": 7, "B": 48, "C": 20, "D": 25}
    assert got["k006"] == "A" and got["k007"] == "B" and got["k054"] == "B" and got["k055"] == "C"


def test_rank_percentile_hand_checked_with_ties_and_non_buyers():
    # 5 buyers: cuts ceil(0.2x5)=1, ceil(0.4x5)=2, ceil(0.8x5)=4
    sales = series({"g": 100, "a": 0, "b": -5, "e": 50, "d": 50, "c": 30, "f": 20})
    got = grade_rank_percentile(sales, codes_for(sales), a=D("0.2"), b=D("0.4"), c=D("0.8"))
    assert as_dict(got) == {"g": "A", "a": "D", "b": "D", "e": "C", "d": "B", "c": "C", "f": "D"}
    assert as_dict(buyer_rank(sales, codes_for(sales))) == {"g": 1, "a": 0, "b": 0, "e": 3, "d": 2, "c": 4, "f": 5}


def test_rank_percentile_one_buyer_is_a():
    sales = series({"x": 0, "y": 7})
    assert as_dict(grade_rank_percentile(sales, codes_for(sales), a=D("0.05"), b=D("0.25"), c=D("0.75"))) == {
        "x": "D", "y": "A"}


def test_fixed_amount_exactly_at_the_cuts():
    sales = series({"a": 10_000_000, "b_hi": 9_999_999, "b": 5_000_000, "c": 1_000_000, "d": 999_999,
                    "zero": 0, "neg": -20_000_000})
    got = grade_fixed_amount(sales, a=D(100000), b=D(50000), c=D(10000))
    assert as_dict(got) == {"a": "A", "b_hi": "B", "b": "B", "c": "C", "d": "D", "zero": "D", "neg": "D"}


def test_fixed_amount_fractional_cut_and_zero_cut():
    sales = series({"two": 2, "one": 1, "zero": 0})
    # a = 0.015 CNY = 1.5 fen: 2 fen reaches it, 1 fen does not; c = 0 makes every buyer at least C
    assert as_dict(grade_fixed_amount(sales, a=D("0.015"), b=D("0.01"), c=D(0))) == {
        "two": "A", "one": "B", "zero": "D"}


WEIGHTED = pd.DataFrame({
    "sales_fen": [400, 300, 200, 100, 0],
    "profit_fen": [10, 40, 30, 20, 50],
    "orders": [1, 4, 3, 2, 9],
    "loyalty": [0.25, 1.0, 0.5, 0.5, 1.0],
    "punctuality": [0.0, 1.0, 1.0, 1.0, 1.0],
}, index=["c1", "c2", "c3", "c4", "c5"])


def test_weighted_score_hand_checked():
    # percentiles among the 4 buyers; scores c1 55, c2 90, c3 63.75, c4 41.25 (punctuality weight 0);
    # n=4: A = ceil(0.8) = 1, A+B = ceil(2.4) = 3
    got = grade_weighted_score(WEIGHTED, codes_for(WEIGHTED), weights=Weights(), a=D("0.2"), b=D("0.6"))
    assert as_dict(got["grade"]) == {"c1": "B", "c2": "A", "c3": "B", "c4": "C", "c5": "D"}
    assert got["score"].iloc[:4].tolist() == [55.0, 90.0, 63.75, 41.25]
    assert pd.isna(got["score"]["c5"])


def test_weighted_score_equal_scores_tie_on_sales_then_code():
    metrics = pd.DataFrame({"sales_fen": [100, 200, 100], "profit_fen": [200, 100, 200], "orders": [1, 1, 1],
                            "loyalty": [1.0, 1.0, 1.0], "punctuality": [1.0, 1.0, 1.0]}, index=["y", "z", "x"])
    w = Weights(sales=D("0.5"), profit=D("0.5"), frequency=D(0), loyalty=D(0), punctuality=D(0))
    got = grade_weighted_score(metrics, codes_for(metrics), weights=w, a=D("0.34"), b=D("0.67"))
    # exact scores: z 100x(0.5x1 + 0.5x1/3) = 66.67; x and y 100x(0.5x0.5 + 0.5x5/6) = 66.67 too -> all tie;
    # sales: z first, then x before y by code. n=3: A=ceil(1.02)=2, A+B=ceil(2.01)=3
    assert as_dict(got["grade"]) == {"y": "B", "z": "A", "x": "A"}


def test_weighted_score_punctuality_weight_counts():
    w = Weights(sales=D(0), profit=D(0), frequency=D(0), loyalty=D(0), punctuality=D(1))
    got = grade_weighted_score(WEIGHTED, codes_for(WEIGHTED), weights=w, a=D("0.25"), b=D("0.5"))
    # punctuality: c1 0.0 lowest; c2, c3, c4 tie -> ordered by sales: c2 A, c3 B, c4 C, c1 C
    assert as_dict(got["grade"]) == {"c1": "C", "c2": "A", "c3": "B", "c4": "C", "c5": "D"}


def test_grade_customers_dispatches_on_method():
    frame = WEIGHTED.assign(code=["c1", "c2", "c3", "c4", "c5"])
    assert grade_customers(frame, parse_policy({"method": "weighted_score"}))["grade"].tolist() == [
        "B", "A", "B", "C", "D"]
    # cumulative_share: total 1000, cuts 200 / 800; c3 starts at 700 < 800 -> B
    assert grade_customers(frame, parse_policy({}))["grade"].tolist() == ["A", "B", "B", "C", "D"]
    fixed = parse_policy({"method": "fixed_amount", "fixed_amount": {"a": 3, "b": 2, "c": 1}})
    assert grade_customers(frame, fixed)["grade"].tolist() == ["A", "A", "B", "C", "D"]
    rank = parse_policy({"method": "rank_percentile"})
    # n=4: ceil(0.2)=1 A, ceil(1.0)=1 so no B, ceil(3.0)=3 -> ranks 2, 3 C, rank 4 D
    assert grade_customers(frame, rank)["grade"].tolist() == ["A", "C", "C", "D", "D"]


def test_loyalty_is_months_with_orders_over_window():
    assert loyalty(pd.Series([0, 3, 12]), 12).tolist() == [0.0, 0.25, 1.0]


def test_override_until_is_inclusive_and_open_ended_without_end():
    computed = pd.Series(["A", "B", "C", "D", "C"])
    override = pd.Series(["D", "A", None, "B", "A"])
    until = pd.Series([dt.date(2024, 3, 31), dt.date(2024, 3, 30), dt.date(2030, 1, 1), None, dt.date(2024, 4, 1)])
    got = apply_override(computed, override, until, dt.date(2024, 3, 31))
    assert got.tolist() == ["D", "B", "C", "B", "A"]


def test_movement():
    got = movement(pd.Series(["A", "B", "C", "D", "A"]), pd.Series(["B", "B", "A", None, "D"]))
    assert got.iloc[[0, 1, 2, 4]].tolist() == ["up", "same", "down", "up"]
    assert pd.isna(got.iloc[3])


def test_growth_blank_when_base_not_positive():
    got = growth(pd.Series([150, 50, 5, 5, 0]), pd.Series([100, 100, 0, -10, 20]))
    assert got.iloc[0] == pytest.approx(0.5) and got.iloc[1] == pytest.approx(-0.5) and got.iloc[4] == -1.0
    assert got.isna().tolist() == [False, False, True, True, False]


def test_override_with_one_as_of_per_row_is_each_rows_own_answer():
    """One customer's rows of several periods (analytics/services/overrides.py): T per row, the same rule."""
    ends = [dt.date(2025, 1, 31), dt.date(2025, 2, 28), dt.date(2025, 3, 31), dt.date(2025, 4, 30)]
    computed = pd.Series(["A", "B", "A", "C"])
    for grade, until in (("D", dt.date(2025, 3, 31)), ("D", None), (None, None), ("B", dt.date(2025, 2, 27))):
        override = pd.Series([grade] * 4)
        untils = pd.Series([until] * 4, dtype=object)
        got = apply_override(computed, override, untils, pd.Series(ends))
        one_by_one = [apply_override(computed[[i]], override[[i]], untils[[i]], ends[i]).iloc[0] for i in range(4)]
        assert list(got) == one_by_one
    assert list(apply_override(computed, pd.Series(["D"] * 4), pd.Series([dt.date(2025, 3, 31)] * 4, dtype=object),
                               pd.Series(ends))) == ["D", "D", "D", "C"]
