"""Recommended action per customer with its reason, the first row of the docs/analytics.md §3.6 table that matches.

docs/analytics.md §3.6.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# (action code, reason code, reason text); the UI translates by code.
ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("first_order_offer", "never_ordered", "Has never ordered"),
    ("win_back", "churned", "Churned: no order for longer than the churn limit"),
    ("visit_this_week", "no_purchase_was_a_or_b", "No purchase this period; was grade A or B last period"),
    ("call_and_coupon", "no_purchase", "No purchase this period"),
    ("call_what_changed", "sales_plunge", "Sales plunged in the last window"),
    ("keep", "grade_a", "Grade A: protect volume"),
    ("grow", "grade_b", "Grade B: raise repeat rate and order value toward A"),
    ("promote", "grade_c_or_d", "Grade C or D: promote toward the next grade"),
)


def recommended_action(lifecycle: pd.Series, purchased_in_p: pd.Series, previous_grade: pd.Series,
                       sales_plunge: pd.Series, grade: pd.Series) -> pd.DataFrame:
    """DataFrame[action, reason_code, reason]: the first row of docs/analytics.md §3.6 that matches each customer.

    docs/analytics.md §3.6. Readings: "purchase in P" = at least one positive order in P; previous grade is the computed
    grade of P-1 (blank counts as not A/B); grade is the effective grade (an override counts).
    """
    bought = purchased_in_p.fillna(False).astype(bool).to_numpy()
    was_ab = previous_grade.isin(["A", "B"]).to_numpy()
    conditions = [
        (lifecycle == "never").to_numpy(),
        (lifecycle == "churned").to_numpy(),
        ~bought & was_ab,
        ~bought,
        sales_plunge.fillna(False).astype(bool).to_numpy(),
        (grade == "A").to_numpy(),
        (grade == "B").to_numpy(),
    ]
    row = np.select(conditions, list(range(len(conditions))), default=len(conditions))
    table = np.array(ACTIONS, dtype=object)
    return pd.DataFrame({
        "action": pd.Series(table[row, 0], index=lifecycle.index, dtype="str"),
        "reason_code": pd.Series(table[row, 1], index=lifecycle.index, dtype="str"),
        "reason": pd.Series(table[row, 2], index=lifecycle.index, dtype="str"),
    })
