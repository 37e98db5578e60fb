"""A whole snapshot table for a handful of customers, written out by hand (docs/analytics.md §3, "What a snapshot
keeps")."""

import datetime as dt

import pandas as pd
import pytest

from analytics.engine.policy import parse_policy
from analytics.engine.snapshot import SNAPSHOT_COLUMNS, SnapshotInputs, compute_snapshot, months_needed, period_summary

D = dt.date


def inputs() -> SnapshotInputs:
    customers = pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5, 6, 7, 8],
        "code": ["C001", "C002", "C003", "C004", "C005", "C006", "C007", "C008"],
        "known_from": [D(2022, 1, 1), D(2022, 1, 1), D(2024, 3, 5), D(2022, 1, 1), D(2023, 6, 1), D(2022, 1, 1),
                       D(2024, 4, 2), D(2022, 1, 1)],
        "override_grade": [None, None, None, None, None, "A", None, None],
        "override_until": [None, None, None, None, None, D(2024, 12, 31), None, None],
    })
    monthly = pd.DataFrame([
        (1, "2024-03", 600_000, 100_000, 3), (1, "2024-02", 300_000, 50_000, 2), (1, "2023-03", 400_000, 60_000, 1),
        (2, "2024-03", 300_000, 40_000, 2), (2, "2024-02", 600_000, 80_000, 4),
        (3, "2024-03", 100_000, 20_000, 1),
        (4, "2024-02", 700_000, 30_000, 1),
        (6, "2023-11", 50_000, 5_000, 1),
        (8, "2024-03", -20_000, -3_000, 0), (8, "2024-01", 80_000, 10_000, 1),
        (1, "2022-01", 999_999, 0, 9),  # outside the range needed: ignored
    ], columns=["customer_id", "month", "sales_fen", "profit_fen", "orders"])
    first_last = pd.DataFrame([
        (1, D(2022, 5, 1), D(2024, 3, 28)), (2, D(2023, 1, 10), D(2024, 3, 15)), (3, D(2024, 3, 5), D(2024, 3, 5)),
        (4, D(2023, 6, 1), D(2024, 2, 20)), (6, D(2023, 11, 15), D(2023, 11, 15)), (8, D(2023, 2, 1), D(2024, 1, 10)),
    ], columns=["customer_id", "first_order_date", "last_order_date"])
    surge = pd.DataFrame([
        (1, 600_000, 300_000, 3, 2), (2, 300_000, 600_000, 2, 4), (3, 100_000, 0, 1, 0), (4, 0, 700_000, 0, 1),
        (8, -20_000, 0, 0, 0),
    ], columns=["customer_id", "cur_sales_fen", "prev_sales_fen", "cur_orders", "prev_orders"])
    receivables = pd.DataFrame([(1, 50_000, 10_000), (4, 200_000, 200_000)],
                               columns=["customer_id", "receivable_fen", "overdue_fen"])
    return SnapshotInputs(customers=customers, monthly=monthly, first_last=first_last, surge=surge,
                          receivables=receivables)


NA = None
# Grades P (Mar): buyers 1 600k, 2 300k, 3 100k of 1M, cuts 200k / 800k -> A (s=0), B (s=600k), C (s=900k).
# P-1 (Feb, covered: not 3): 4 700k, 2 600k, 1 300k of 1.6M, cuts 320k / 1.28M -> A, B, C (s=1.3M).
# RFM over Apr 2023..Mar 2024, 6 buyers; quadrant: profit rank >= 3 of 6 is high; loyalty 2 months high.
EXPECTED = [
    # code grade comp prev move sales orders profit mom yoy lifecycle new days s+ s- o+ o- recv overdue last
    #   r f m segment quadrant action reason
    ("C001", "A", "A", "C", "up", 600_000, 3, 100_000, 1.0, 0.5, "active", False, 3, True, False, True, False,
     50_000, 10_000, D(2024, 3, 28), 5, 5, 5, "Champions", "strategic_partner", "keep", "grade_a"),
    ("C002", "B", "B", "B", "same", 300_000, 2, 40_000, -0.5, NA, "active", False, 16, False, True, False, True,
     0, 0, D(2024, 3, 15), 5, 5, 5, "Champions", "strategic_partner", "call_what_changed", "sales_plunge"),
    ("C003", "C", "C", NA, NA, 100_000, 1, 20_000, NA, NA, "active", True, 26, False, False, False, False,
     0, 0, D(2024, 3, 5), 4, 1, 3, "Potential loyalist", "retain", "promote", "grade_c_or_d"),
    ("C004", "D", "D", "A", "down", 0, 0, 0, -1.0, NA, "at_risk", False, 40, False, True, False, False,
     200_000, 200_000, D(2024, 2, 20), 3, 1, 4, "Others", "retain", "visit_this_week", "no_purchase_was_a_or_b"),
    ("C005", "D", "D", "D", "same", 0, 0, 0, NA, NA, "never", False, NA, False, False, False, False,
     0, 0, NA, NA, NA, NA, NA, NA, "first_order_offer", "never_ordered"),
    ("C006", "A", "D", "D", "same", 0, 0, 0, NA, NA, "churned", False, 137, False, False, False, False,
     0, 0, D(2023, 11, 15), 1, 1, 1, "Lost", "build_relationship", "win_back", "churned"),
    ("C008", "D", "D", "D", "same", -20_000, 0, -3_000, NA, NA, "at_risk", False, 81, False, False, False, False,
     0, 0, D(2024, 1, 10), 2, 1, 2, "About to sleep", "build_relationship", "call_and_coupon", "no_purchase"),
]


def plain(frame: pd.DataFrame) -> list[tuple]:
    rows = frame[SNAPSHOT_COLUMNS[1:]].astype(object)
    return [tuple(None if pd.isna(v) else v for v in row) for row in rows.itertuples(index=False)]


def test_whole_table_by_hand():
    snap = compute_snapshot(inputs(), parse_policy({}), year=2024, month=3)
    assert list(snap.columns[: len(SNAPSHOT_COLUMNS)]) == SNAPSHOT_COLUMNS
    assert snap["customer_id"].tolist() == [1, 2, 3, 4, 5, 6, 8]
    assert plain(snap) == EXPECTED


def test_dtypes_for_the_django_layer():
    snap = compute_snapshot(inputs(), parse_policy({}), year=2024, month=3)
    assert snap["sales_fen"].dtype == "int64" and snap["receivable_fen"].dtype == "int64"
    assert str(snap["mom_growth"].dtype) == "Float64" and str(snap["rfm_r"].dtype) == "Int64"
    assert snap["is_new"].dtype == bool and snap["sales_surge"].dtype == bool


def test_same_inputs_same_table_whatever_the_row_order():
    first = compute_snapshot(inputs(), parse_policy({}), year=2024, month=3)
    shuffled = inputs()
    shuffled.customers = shuffled.customers.iloc[::-1].reset_index(drop=True)
    shuffled.monthly = shuffled.monthly.sample(frac=1, random_state=7).reset_index(drop=True)
    shuffled.first_last = shuffled.first_last.iloc[::-1]
    again = compute_snapshot(shuffled, parse_policy({}), year=2024, month=3)
    pd.testing.assert_frame_equal(first, again)


@pytest.mark.parametrize("policy", [
    {}, {"method": "rank_percentile"}, {"method": "fixed_amount", "fixed_amount": {"a": 5000, "b": 2000, "c": 500}},
    {"method": "weighted_score"}, {"method": "weighted_score", "window_months": 2},
])
def test_previous_grade_is_the_computed_grade_of_p_minus_1(policy):
    p = parse_policy(policy)
    now = compute_snapshot(inputs(), p, year=2024, month=3).set_index("customer_id")
    before = compute_snapshot(inputs(), p, year=2024, month=2).set_index("customer_id")
    assert list(before.index) == [1, 2, 4, 5, 6, 8]
    assert now["previous_grade"].reindex(before.index).tolist() == before["computed_grade"].tolist()
    assert pd.isna(now.loc[3, "previous_grade"])


def test_weighted_score_uses_a_twelve_month_window():
    snap = compute_snapshot(inputs(), parse_policy({"method": "weighted_score"}), year=2024, month=3)
    got = snap.set_index("code")
    # window Apr 2023..Mar 2024: buyers 1, 2, 3, 4, 6, 8 (sales 900k, 900k, 100k, 700k, 50k, 60k)
    assert got["window_sales_fen"].to_dict() == {"C001": 900_000, "C002": 900_000, "C003": 100_000,
                                                 "C004": 700_000, "C005": 0, "C006": 50_000, "C008": 60_000}
    assert got["computed_grade"]["C005"] == "D"
    assert (got["computed_grade"].drop("C005") != "D").all()
    assert got["score"].notna().sum() == 6


def test_months_needed():
    assert months_needed(parse_policy({}), year=2024, month=3) == ("2023-03", "2024-03")
    assert months_needed(parse_policy({"window_months": 24}), year=2024, month=3) == ("2022-03", "2024-03")


def test_period_summary():
    snap = compute_snapshot(inputs(), parse_policy({}), year=2024, month=3)
    s = period_summary(snap)
    assert s["customers"] == 7 and s["buying_customers"] == 3
    assert s["sales_fen"] == 980_000 and s["orders"] == 6
    assert s["avg_order_value_fen"] == pytest.approx(980_000 / 6)
    assert s["grades"] == {"A": {"customers": 2, "sales_fen": 600_000}, "B": {"customers": 1, "sales_fen": 300_000},
                           "C": {"customers": 1, "sales_fen": 100_000}, "D": {"customers": 3, "sales_fen": -20_000}}
    assert s["lifecycle"]["at_risk"] == {"customers": 2, "sales_fen": -20_000}
    assert s["transitions"]["C"] == {"A": 1, "B": 0, "C": 0, "D": 0}
    assert s["transitions"]["A"] == {"A": 0, "B": 0, "C": 0, "D": 1}
    assert s["transitions"]["none"] == {"A": 0, "B": 0, "C": 1, "D": 0}
    assert s["transitions"]["D"]["D"] == 3
    assert s["movement"] == {"up": 1, "down": 1, "same": 4}
    assert s["flags"] == {"is_new": 1, "sales_surge": 1, "sales_plunge": 2, "orders_surge": 1, "orders_plunge": 1,
                          "override_active": 1}
    assert (s["receivable_fen"], s["overdue_fen"]) == (250_000, 210_000)


def test_punctuality_weight_and_rhythm_rule_paths():
    data = inputs()
    # only punctuality counts: customer 2 paid nothing of 1000 due in the window, 1 paid on time
    data.punctuality_receivables = pd.DataFrame({
        "customer_id": [1, 2], "issue_date": [D(2024, 3, 1), D(2024, 3, 1)], "due_date": [D(2024, 3, 20)] * 2,
        "amount_fen": [1000, 1000]})
    data.punctuality_payments = pd.DataFrame({"customer_id": [1], "date": [D(2024, 3, 20)], "amount_fen": [1000]})
    # customer 2 ordered every 2 days until 03-15: 16 days since > 2 x 2 and >= 14 -> at_risk by rhythm
    data.order_dates = pd.DataFrame({"customer_id": [2, 2, 2, 2], "order_date": [
        D(2024, 3, 9), D(2024, 3, 11), D(2024, 3, 13), D(2024, 3, 15)]})
    policy = parse_policy({"method": "weighted_score", "window_months": 1,
                           "weighted_score": {"weights": {"sales": 0, "profit": 0, "frequency": 0, "loyalty": 0,
                                                          "punctuality": 1}, "a": 0.34, "b": 0.66},
                           "lifecycle": {"rhythm": True}})
    got = compute_snapshot(data, policy, year=2024, month=3).set_index("code")
    # buyers 1, 2, 3: punctuality 1.0, 0.0, 1.0 (3 has nothing due -> 1.0); n=3: ceil(1.02)=2 A, ceil(1.98)=2 so
    # no B; customer 2 scores lowest -> C
    assert got["computed_grade"][["C001", "C002", "C003"]].tolist() == ["A", "C", "A"]
    assert got["lifecycle"]["C002"] == "at_risk"
    assert got["lifecycle"]["C001"] == "active"
    without = compute_snapshot(inputs(), policy, year=2024, month=3).set_index("code")
    assert without["lifecycle"]["C002"] == "active"


def test_no_orders_at_all():
    data = SnapshotInputs(
        customers=pd.DataFrame({"customer_id": [5, 3], "code": ["0002", "0001"], "known_from": [D(2024, 1, 1), None],
                                "override_grade": [None, None], "override_until": [None, None]}),
        monthly=pd.DataFrame({"customer_id": [], "month": [], "sales_fen": [], "profit_fen": [], "orders": []}),
        first_last=pd.DataFrame({"customer_id": [], "first_order_date": [], "last_order_date": []}),
    )
    snap = compute_snapshot(data, parse_policy({"method": "weighted_score"}), year=2024, month=3)
    assert snap["code"].tolist() == ["0001", "0002"]  # sorted by code; a blank known_from counts as always known
    assert snap["grade"].tolist() == ["D", "D"] and snap["lifecycle"].tolist() == ["never", "never"]
    assert snap["action"].tolist() == ["first_order_offer", "first_order_offer"]
    assert snap["rfm_segment"].isna().all() and snap["mom_growth"].isna().all()
    assert period_summary(snap)["avg_order_value_fen"] is None
