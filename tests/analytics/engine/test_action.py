"""Recommended action: the first row of docs/analytics.md §3.6 that matches."""

import pandas as pd

from analytics.engine.action import recommended_action


def test_each_row_and_its_precedence():
    rows = [
        # lifecycle, purchased, previous, plunge, grade -> action, reason
        ("never", False, None, False, "D", "first_order_offer", "never_ordered"),
        ("churned", False, "A", True, "D", "win_back", "churned"),
        ("at_risk", False, "A", True, "D", "visit_this_week", "no_purchase_was_a_or_b"),
        ("active", False, "B", False, "A", "visit_this_week", "no_purchase_was_a_or_b"),
        ("active", False, "C", False, "D", "call_and_coupon", "no_purchase"),
        ("active", False, None, False, "D", "call_and_coupon", "no_purchase"),
        ("active", True, "A", True, "A", "call_what_changed", "sales_plunge"),
        ("active", True, "A", False, "A", "keep", "grade_a"),
        ("active", True, None, False, "B", "grow", "grade_b"),
        ("at_risk", True, "D", False, "C", "promote", "grade_c_or_d"),
        ("active", True, "C", False, "D", "promote", "grade_c_or_d"),
    ]
    frame = pd.DataFrame(rows, columns=["lc", "bought", "prev", "plunge", "grade", "action", "reason"])
    got = recommended_action(frame["lc"], frame["bought"], frame["prev"], frame["plunge"], frame["grade"])
    assert got["action"].tolist() == frame["action"].tolist()
    assert got["reason_code"].tolist() == frame["reason"].tolist()
    assert got["reason"].str.len().min() > 5
