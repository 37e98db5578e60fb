"""The churn reasons a page can show: feature -> (code, the direction that means "more likely to stop", label).

Only a push toward churn in the intuitive direction becomes a reason, so a list never says "many orders" as a
churn reason. The codes are stored with the scores (CustomerSnapshot.churn_reasons, written when a period is
scored); a page turns them into labels in the reader's language. This module imports nothing heavy: every page
that shows a risk reads it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

REASONS: dict[str, tuple[str, int, Any]] = {
    "log_days_since_last": ("long_since_last_order", 1, _("long since the last order")),
    "log_gap_ratio": ("late_for_own_rhythm", 1, _("later than their usual ordering rhythm")),
    "log_median_gap": ("long_usual_gap", 1, _("long usual gap between orders")),
    "few_dates": ("one_order_this_year", 1, _("at most one order in the last 12 months")),
    "log_orders_3m": ("few_orders_3m", -1, _("few orders in the last 3 months")),
    "log_orders_6m": ("few_orders_6m", -1, _("few orders in the last 6 months")),
    "log_orders_12m": ("few_orders_12m", -1, _("few orders in the last 12 months")),
    "orders_trend": ("ordering_less_often", -1, _("ordering less often than over the year")),
    "log_sales_3m": ("low_sales_3m", -1, _("low sales in the last 3 months")),
    "log_sales_6m": ("low_sales_6m", -1, _("low sales in the last 6 months")),
    "log_sales_12m": ("low_sales_12m", -1, _("low sales in the last 12 months")),
    "sales_trend": ("buying_less", -1, _("buying less than over the year")),
    "log_tenure": ("new_customer", -1, _("a new customer")),
    "log_rate": ("orders_rarely", -1, _("orders rarely")),
    "log_missed": ("missed_usual_orders", 1, _("has missed several of their usual orders")),
    "gap_trend": ("gaps_growing", 1, _("the latest gaps between orders are longer than usual")),
    "active_share": ("few_active_months", -1, _("ordered in few of the last 12 months")),
    "log_orders_next_ly": ("quiet_season_last_year", -1, _("few orders in the coming months last year")),
    "season_ratio": ("quiet_season", -1, _("the coming months were quiet last year")),
    "returns_share": ("many_returns", 1, _("many returns")),
    "log_breadth_3m": ("narrow_basket", -1, _("buys few different products")),
    "breadth_trend": ("basket_narrowing", -1, _("buying fewer different products than over the year")),
    "coupon_share": ("coupon_driven", 1, _("orders mostly with coupons")),
    "owed_months": ("unpaid_balance", 1, _("a large unpaid balance")),
    "bgnbd_alive": ("rhythm_broken", -1, _("their silence is long for how often they used to order")),
    "log_bgnbd_expected": ("few_orders_expected", -1, _("few orders expected in the coming months")),
}
REASON_LABELS = {code: label for code, _sign, label in REASONS.values()}
REASON_CODES = frozenset(REASON_LABELS)
SEPARATOR = " "  # codes are stored space-separated, strongest first (they hold no spaces)


def reasons_stored(stored: str) -> list[tuple[str, Any]]:
    """(code, label in the reader's language) of a stored `churn_reasons` value, strongest first. An unknown code
    (a feature of a newer release read by an older one) is skipped rather than shown raw."""
    return [(code, REASON_LABELS[code]) for code in stored.split() if code in REASON_LABELS]


def reason_labels(stored: str) -> list[Any]:
    """The labels of a stored `churn_reasons` value, strongest first."""
    return [label for _code, label in reasons_stored(stored)]
