"""Words the pages show for the codes a snapshot stores: actions, reasons, segments, quadrants, flags.

The engine keeps codes (analytics.engine.action.ACTIONS, rfm.SEGMENTS, rfm.QUADRANTS); the UI translates them
here, once, so the list, the profile and the dashboard say the same thing in both languages.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from analytics.labels import grade_label_text
from analytics.models import Lifecycle
from analytics.selectors import active_policy

ACTION_TEXT = {
    "first_order_offer": _("First-order offer"),
    "win_back": _("Win-back call and coupon"),
    "visit_this_week": _("Visit in person this week (high priority)"),
    "call_and_coupon": _("Call to ask why, and send a coupon"),
    "call_what_changed": _("Call to find out what changed"),
    "keep": _("Keep: regular visits, protect volume"),
    "grow": _("Grow: raise repeat rate and order value toward A"),
    "promote": _("Promote: coupon or promotion toward the next grade"),
}
REASON_TEXT = {
    "never_ordered": _("Has never ordered"),
    "churned": _("Churned: no order for longer than the churn limit"),
    "no_purchase_was_a_or_b": _("No purchase this period; was grade A or B last period"),
    "no_purchase": _("No purchase this period"),
    "sales_plunge": _("Sales plunged in the last 30 days"),
    "grade_a": _("Grade A: protect volume"),
    "grade_b": _("Grade B: raise repeat rate and order value toward A"),
    "grade_c_or_d": _("Grade C or D: promote toward the next grade"),
}
SEGMENT_TEXT = {
    "Champions": _("Champions"),
    "Cannot lose": _("Cannot lose"),
    "Loyal": _("Loyal"),
    "Need attention": _("Need attention"),
    "At risk": _("At risk"),
    "New": _("New"),
    "Promising": _("Promising"),
    "Potential loyalist": _("Potential loyalist"),
    "About to sleep": _("About to sleep"),
    "Lost": _("Lost"),
    "Others": _("Others"),
}
QUADRANT_TEXT = {
    "strategic_partner": _("Strategic partner"),
    "retain": _("Retain"),
    "develop": _("Develop"),
    "build_relationship": _("Build relationship"),
}
FLAG_TEXT = {
    "is_new": _("New"),
    "sales_surge": _("Sales surge"),
    "sales_plunge": _("Sales plunge"),
    "orders_surge": _("Orders surge"),
    "orders_plunge": _("Orders plunge"),
}
MOVEMENT_TEXT = {"up": _("Up"), "down": _("Down"), "same": _("Same")}
LIFECYCLE_TEXT = dict(Lifecycle.choices)
METRIC_TEXT = {
    "buying_customers": _("Buying customers"),
    "sales_fen": _("Sales"),
    "avg_order_value_fen": _("Average order value"),
}


def grade_labels() -> dict[str, str]:
    """Grade labels of the active policy (docs/analytics.md §3.1: configurable, 核心客户 ... by default); defaults
    translated."""
    return grade_label_text(active_policy().labels)


def text(table: dict[str, Any], code: str | None) -> str:
    """The translated word for `code`, or the code itself when the table does not know it."""
    if not code:
        return ""
    return str(table.get(code, code))
