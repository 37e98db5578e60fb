"""Each salesperson's follow-up list for today, and how much of it got done (issue 8 item 2).

The list comes from the latest closed snapshot (T = its month-end, before today): the docs/analytics.md §3.6 actions
that ask someone to act, plus customers the churn model flags (docs/analytics.md §3.7; the snapshot holds a risk only
where the model beats "days since last order"). Rules:

- Order: expected value first, the sales a follow-up can save: risk x sales at stake (the customer's sales of
  the 12 months to T, never below 0). Risk is the churn model's where the snapshot has one, else a stand-in
  from days since the last order (`standin_risk`, said so on the page); a customer who never ordered has
  nothing at stake. Ties: action priority (below), then risk, then customer code.
- A day: the first WORKLIST_DAILY_CAPACITY items (a setting, default 20) are today's; the rest are "later".
- Each item offers only the steps its action asks for (ACTION_STEPS): a call, a visit, a coupon.
- Done: a visit, call or message logged after T (Customer.last_visit_date > T) settles any action; a coupon
  sent after T (Customer.last_coupon_date > T) settles the actions that ask for a coupon.
- Risk call: a customer whose action asks for nothing (keep / grow / promote) but whose churn risk is among
  the period's riskiest 10% (all customers with a risk, not only the user's) gets "call: likely to stop". Done customers
  leave today's list until the next snapshot.
- Completion of a period (managers): per salesperson who owned the customer at T, the actions listed in the
  period's snapshot and those done by a visit logged, or a coupon sent, after T and by the end of the
  following month (or today, if earlier).
"""

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from analytics.churn.reasons import reason_labels
from analytics.models import CustomerSnapshot
from analytics.periods import add_months, month_end
from analytics.selectors import scored_rows
from analytics.worklist.actions import coupons_sent
from customers.models import Visit
from customers.selectors import scoped

# action -> (priority, a coupon settles it too, label)
ACTIONS: dict[str, tuple[int, bool, Any]] = {
    "visit_this_week": (1, False, _("Visit in person this week")),
    "call_what_changed": (2, False, _("Call to find out what changed")),
    "call_churn_risk": (3, False, _("Call: likely to stop ordering")),
    "call_and_coupon": (4, True, _("Call to ask why, and send a coupon")),
    "win_back": (5, True, _("Win-back call and coupon")),
    "first_order_offer": (6, True, _("First-order offer")),
}
RULE_ACTIONS = [a for a in ACTIONS if a != "call_churn_risk"]
COUPON_SETTLES = [a for a, (_p, coupon, _l) in ACTIONS.items() if coupon]
QUIET_ACTIONS = ["keep", "grow", "promote"]  # docs/analytics.md §3.6 rows that ask for no call by themselves
# A quiet customer in the riskiest 10% of the period gets a call: the list whose precision the backtest checked.
RISK_TOP_SHARE = 0.1
REASONS: dict[str, Any] = {
    "never_ordered": _("Has never ordered"),
    "churned": _("No order for longer than the churn limit"),
    "no_purchase_was_a_or_b": _("No purchase last month; was grade A or B the month before"),
    "no_purchase": _("No purchase last month"),
    "sales_plunge": _("Sales plunged in the last 30 days"),
}


# What each action asks the salesperson to do, in order: "call" (the phone), "visit" (in person), "coupon".
ACTION_STEPS: dict[str, tuple[str, ...]] = {
    "visit_this_week": ("visit",),
    "call_what_changed": ("call",),
    "call_churn_risk": ("call",),
    "call_and_coupon": ("call", "coupon"),
    "win_back": ("call", "coupon"),
    "first_order_offer": ("coupon",),
}
# The churn model predicts "no order in the next 90 days"; the stand-in is one half at that many days.
STANDIN_HALF_DAYS = 90


def standin_risk(days_since_last_order: int | None) -> float | None:
    """Churn-risk stand-in where the model gave none: d / (d + 90), d = days since the last order.

    Monotone in d, so unscored rows keep the plain "days since last order" ranking docs/analytics.md §3.7 falls back to:
    0 on the day of an order, one half at the model's 90-day horizon, towards 1 as the silence grows. A
    customer who never ordered has no stand-in (and nothing at stake).
    """
    if days_since_last_order is None:
        return None
    return days_since_last_order / (days_since_last_order + STANDIN_HALF_DAYS)


def daily_capacity() -> int:
    """How many follow-ups make a day (settings.WORKLIST_DAILY_CAPACITY, default 20)."""
    return max(1, int(getattr(settings, "WORKLIST_DAILY_CAPACITY", 20)))


@dataclass
class WorkItem:
    customer_id: int
    code: str
    name: str
    salesperson: str
    action: str
    label: Any
    reason: Any
    priority: int
    grade: str
    churn_risk: float | None
    days_since_last_order: int | None
    mobile: str = ""
    sales_at_stake: Decimal = Decimal(0)
    risk: float | None = None  # the model's churn risk, else the stand-in
    risk_is_standin: bool = False
    expected_value: Decimal = Decimal(0)  # risk x sales at stake, whole yuan
    steps: tuple[str, ...] = ()
    risk_reasons: list[Any] = field(default_factory=list)


def worklist_period(*, today: dt.date) -> dt.date | None:
    """The latest snapshot period that closed before today."""
    latest: dt.date | None = CustomerSnapshot.objects.filter(period__lt=today.replace(day=1)).aggregate(
        p=Max("period"))["p"]
    return latest


def risk_cut(period: dt.date) -> float | None:
    """The churn risk at the edge of the period's riskiest RISK_TOP_SHARE (None: no risk in this snapshot)."""
    scored = scored_rows(period)
    n = scored.count()
    if not n:
        return None
    k = math.ceil(RISK_TOP_SHARE * n)
    cut: float | None = scored.order_by("-churn_risk").values_list("churn_risk", flat=True)[k - 1]
    return cut


def actionable(period: dt.date) -> Q:
    """Snapshot rows of `period` that ask someone to act (docs/analytics.md §3.6 rows 1-5, and the riskiest quiet
    ones)."""
    rules = Q(action__in=RULE_ACTIONS)
    cut = risk_cut(period)
    if cut is not None:
        rules |= Q(action__in=QUIET_ACTIONS, churn_risk__gte=cut)
    return Q(period=period) & rules


def action_of(row: CustomerSnapshot) -> str:
    return row.action if row.action in ACTIONS else "call_churn_risk"


def _item(row: CustomerSnapshot) -> WorkItem:
    action = action_of(row)
    priority, _coupon, label = ACTIONS[action]
    if action == "call_churn_risk":
        reason: Any = _("Churn risk %(risk)s%%") % {"risk": round(100 * (row.churn_risk or 0))}
    else:
        reason = REASONS.get(row.action_reason, row.action_reason)
    risk = row.churn_risk if row.churn_risk is not None else standin_risk(row.days_since_last_order)
    at_stake = max(row.sales_12m or Decimal(0), Decimal(0))
    return WorkItem(
        customer_id=row.customer_id, code=row.code, name=row.customer.name,
        salesperson=row.salesperson.name if row.salesperson else "", action=action, label=label, reason=reason,
        priority=priority, grade=row.grade, churn_risk=row.churn_risk,
        days_since_last_order=row.days_since_last_order, mobile=row.customer.mobile, sales_at_stake=at_stake,
        risk=risk, risk_is_standin=row.churn_risk is None and risk is not None,
        expected_value=(at_stake * Decimal(str(risk or 0))).quantize(Decimal(1)), steps=ACTION_STEPS[action],
        risk_reasons=reason_labels(row.churn_reasons) if row.churn_risk is not None else [],
    )


def _sort_key(item: WorkItem) -> tuple[Any, ...]:
    return (-item.expected_value, item.priority, -(item.risk or 0.0), item.code)


@dataclass
class WorkDay:
    """A day's work: `today` (at most the capacity, best first) and `later` (the rest, same order)."""

    today: list[WorkItem]
    later: list[WorkItem]
    capacity: int

    @property
    def total(self) -> int:
        return len(self.today) + len(self.later)

    @property
    def uses_standin(self) -> bool:
        return any(i.risk_is_standin for i in self.today + self.later)


def worklist_day(items: list[WorkItem], *, capacity: int | None = None) -> WorkDay:
    """Split ordered items into today's (the first `capacity`, default the setting) and later ones."""
    cap = daily_capacity() if capacity is None else capacity
    return WorkDay(today=items[:cap], later=items[cap:], capacity=cap)


def worklist_rows(*, user: Any, period: dt.date, salesperson_id: int | None = None) -> QuerySet[CustomerSnapshot]:
    """Open actionable snapshot rows of `period` that `user` may see (done ones excluded, see module rules)."""
    as_of = month_end(period)
    done = Q(customer__last_visit_date__gt=as_of) | Q(action__in=COUPON_SETTLES,
                                                       customer__last_coupon_date__gt=as_of)
    qs = scoped(CustomerSnapshot.objects.filter(actionable(period)), user=user).exclude(done)
    if salesperson_id is not None:
        qs = qs.filter(customer__owner_id=salesperson_id)
    return qs.select_related("customer", "salesperson")


def worklist_for(*, user: Any, today: dt.date, salesperson_id: int | None = None) -> list[WorkItem]:
    """Today's prioritised follow-ups for the customers `user` may see (a salesperson: their own).

    Issue 8 item 2, docs/analytics.md §3.6 and §3.7; rules in the module docstring. A row with a churn risk carries
    the model's top reasons, stored with the risk.
    """
    period = worklist_period(today=today)
    if period is None:
        return []
    items = sorted((_item(r) for r in worklist_rows(user=user, period=period, salesperson_id=salesperson_id)),
                   key=_sort_key)
    return items


def worklist_day_for(*, user: Any, today: dt.date, salesperson_id: int | None = None) -> WorkDay | None:
    """Today's follow-ups cut to the daily capacity, the rest for later; None before any closed snapshot."""
    period = worklist_period(today=today)
    if period is None:
        return None
    return worklist_day(worklist_for(user=user, today=today, salesperson_id=salesperson_id))


def _done_customers(ids: QuerySet[Any], start: dt.date, end: dt.date) -> tuple[set[int], set[int]]:
    """(visited, couponed) customer ids after `start` up to `end` inclusive."""
    from customers.models import Customer

    visited = set(Visit.objects.filter(customer_id__in=ids, date__gt=start, date__lte=end)
                  .values_list("customer_id", flat=True).distinct())
    sent = coupons_sent()
    couponed = set() if sent is None else set(
        sent.on_days(start, end).filter(customer_id__in=ids).values_list("customer_id", flat=True).distinct())
    couponed |= set(Customer.objects.filter(id__in=ids, last_coupon_date__gt=start, last_coupon_date__lte=end)
                    .values_list("id", flat=True))
    return visited, couponed


def worklist_completion(*, user: Any, period: dt.date, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Per salesperson (owner at T): actions listed in `period`'s snapshot, done, and the share done.

    Issue 8 item 2 "a manager sees completion by salesperson"; the rule is in the module docstring.
    """
    as_of = month_end(period)
    end = month_end(add_months(period, 1))
    if today is not None:
        end = min(end, today)
    rows = scoped(CustomerSnapshot.objects.filter(actionable(period)), user=user)
    listed = list(rows.values_list("salesperson_id", "salesperson__name", "customer_id", "action"))
    visited, couponed = _done_customers(rows.values("customer_id"), as_of, end)
    table: dict[Any, dict[str, Any]] = {}
    for sp_id, sp_name, customer_id, action in listed:
        entry = table.setdefault(sp_id, {"salesperson_id": sp_id, "salesperson": sp_name or "", "listed": 0,
                                         "done": 0, "by_action": {}})
        settles = customer_id in visited or (action in COUPON_SETTLES and customer_id in couponed)
        per = entry["by_action"].setdefault(action if action in ACTIONS else "call_churn_risk",
                                            {"listed": 0, "done": 0})
        entry["listed"] += 1
        per["listed"] += 1
        entry["done"] += int(settles)
        per["done"] += int(settles)
    for entry in table.values():
        entry["share_done"] = entry["done"] / entry["listed"] if entry["listed"] else None
    return sorted(table.values(), key=lambda e: (e["salesperson"] == "", e["salesperson"]))
