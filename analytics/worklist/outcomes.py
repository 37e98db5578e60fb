"""Outcomes of the follow-ups (issue 8 item 3): do at-risk and churned customers who got an action come back?

Definition (one closed period P, T = its month-end):
- Population: P's snapshot rows (CustomerSnapshot) with lifecycle at_risk or churned, limited to the customers
  the user may see (customers.selectors.scoped).
- Action, in the 30 days after T, i.e. dated in (T, T+30]: a Visit logged (kind on-site = "visit", phone =
  "call", message = "message"), or a coupon sent (CouponIssue with status sent or delivered, sent_at's
  Asia/Shanghai date in (T, T+30]) = "coupon". One customer may have several action types.
- Won back: a positive (amount > 0), non-cancelled order dated in (T, T+60].
- Risk band: where the row has a churn risk, its quartile among all of P's at-risk and churned rows with a risk
  (unscoped, so a band means the same for everybody); otherwise days since the last order at T: 0-30, 31-60,
  61-90, 91-180, 180+ (no order at all: "unknown").
- Per action type (and "any action"): treated = the customers who got it; control = the customers who got no
  action of any type. Both are split into cells of (grade, risk band). Cells with treated customers but no
  control are left out of the comparison (reported as unmatched). The control rate is each matched cell's
  win-back rate weighted by its treated count (stratified, like coupons.selectors.similar_customers_baseline);
  the treated rate is over the matched treated customers; difference = treated rate - control rate.
- Complete: only once T+60 has passed are the numbers final; before that they may still rise.

An association, not proof of cause: salespeople choose whom to call. Same grade and risk band keeps the
comparison fair on what the snapshot knew. Two queries: the risk cut points and one GROUP BY over the rows.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, CharField, Count, Exists, OuterRef, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.models import CustomerSnapshot, Lifecycle
from analytics.periods import month_end
from analytics.worklist.actions import coupons_sent
from customers.models import Visit
from customers.selectors import scoped
from sales.models import Order

ACTION_DAYS = 30
WIN_BACK_DAYS = 60
POPULATION = (Lifecycle.AT_RISK, Lifecycle.CHURNED)
# action type -> label; "any" = at least one of the four
ACTION_TYPES: dict[str, Any] = {
    "visit": _("Visit in person"),
    "call": _("Phone call"),
    "message": _("Message"),
    "coupon": _("Coupon sent"),
    "any": _("Any of these"),
}
VISIT_KINDS = {"visit": Visit.Kind.ONSITE, "call": Visit.Kind.PHONE, "message": Visit.Kind.MESSAGE}
DAY_BANDS = [(180, "days_180_plus"), (90, "days_91_180"), (60, "days_61_90"), (30, "days_31_60")]


@dataclass
class OutcomeRow:
    action: str
    label: Any
    treated: int  # customers who got this action
    matched: int = 0  # of them, in a (grade, risk band) cell that also has customers without any action
    treated_won: int = 0  # matched treated customers who ordered again
    control: int = 0  # customers without any action in the matched cells
    treated_rate: float | None = None
    control_rate: float | None = None
    difference: float | None = None

    @property
    def unmatched(self) -> int:
        return self.treated - self.matched

    @property
    def treated_pct(self) -> float | None:
        return None if self.treated_rate is None else 100 * self.treated_rate

    @property
    def control_pct(self) -> float | None:
        return None if self.control_rate is None else 100 * self.control_rate

    @property
    def difference_pts(self) -> float | None:
        return None if self.difference is None else 100 * self.difference


@dataclass
class Outcomes:
    period: dt.date
    as_of: dt.date  # T
    action_until: dt.date  # T + 30
    won_until: dt.date  # T + 60
    complete: bool  # T + 60 has passed
    population: int  # at-risk and churned customers in scope
    without_action: int
    rows: list[OutcomeRow] = field(default_factory=list)


def outcomes_period(*, today: dt.date, until: dt.date | None = None) -> dt.date | None:
    """The latest snapshot period (not after `until`: the month a dashboard shows) whose win-back window (T, T+60]
    ended before today."""
    periods = CustomerSnapshot.objects.values_list("period", flat=True).distinct().order_by("-period")
    if until is not None:
        periods = periods.filter(period__lte=until)
    for period in periods[:6]:
        if month_end(period) + dt.timedelta(days=WIN_BACK_DAYS) < today:
            return period
    return None


def _risk_cuts(period: dt.date) -> list[float]:
    """Lower edges of risk quartiles 2, 3 and 4 among all of the period's at-risk and churned rows with a risk."""
    risks = sorted(r for r in CustomerSnapshot.objects.filter(period=period, lifecycle__in=POPULATION,
                                                              churn_risk__isnull=False)
                   .values_list("churn_risk", flat=True) if r is not None)
    n = len(risks)
    return [risks[(n * q) // 4] for q in (1, 2, 3)] if n else []


def _band(cuts: list[float]) -> Case:
    whens = []
    if cuts:
        for q, cut in ((4, cuts[2]), (3, cuts[1]), (2, cuts[0])):
            whens.append(When(churn_risk__gte=cut, then=Value(f"risk_q{q}")))
        whens.append(When(churn_risk__isnull=False, then=Value("risk_q1")))
    for days, name in DAY_BANDS:
        whens.append(When(days_since_last_order__gt=days, then=Value(name)))
    whens.append(When(days_since_last_order__isnull=False, then=Value("days_0_30")))
    return Case(*whens, default=Value("unknown"), output_field=CharField())


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def worklist_outcomes(*, user: Any, period: dt.date, today: dt.date | None = None) -> Outcomes:
    """Win-back of at-risk and churned customers with and without an action, per action type (module docstring)."""
    as_of = month_end(period)
    act_end = as_of + dt.timedelta(days=ACTION_DAYS)
    won_end = as_of + dt.timedelta(days=WIN_BACK_DAYS)
    me = OuterRef("customer_id")
    visits = Visit.objects.filter(customer_id=me, date__gt=as_of, date__lte=act_end)
    sent = coupons_sent()
    won = Order.objects.filter(customer_id=me, order_date__gt=as_of, order_date__lte=won_end, amount__gt=0).exclude(
        status=Order.Status.CANCELLED)
    flags: dict[str, Exists | Value] = {kind: Exists(visits.filter(kind=value)) for kind, value in VISIT_KINDS.items()}
    if sent is not None:
        window = (_day_start(as_of + dt.timedelta(days=1)), _day_start(act_end + dt.timedelta(days=1)))
        flags["coupon"] = Exists(sent.between(*window).filter(customer_id=me))
    else:
        flags["coupon"] = Value(False)
    rows = (
        scoped(CustomerSnapshot.objects.filter(period=period, lifecycle__in=POPULATION), user=user)
        .annotate(band=_band(_risk_cuts(period)), won=Exists(won), **flags)
        .values("grade", "band", "won", *flags)
        .annotate(n=Count("id"))
        .order_by()
    )
    cells = [(r["grade"], r["band"], bool(r["won"]), {k: bool(r[k]) for k in flags}, r["n"]) for r in rows]
    control: dict[tuple[str, str], list[int]] = {}  # cell -> [customers, won]
    for grade, band, is_won, got, n in cells:
        if not any(got.values()):
            entry = control.setdefault((grade, band), [0, 0])
            entry[0] += n
            entry[1] += n * is_won
    today = today or timezone.localdate()
    result = Outcomes(
        period=period, as_of=as_of, action_until=act_end, won_until=won_end, complete=won_end < today,
        population=sum(c[4] for c in cells), without_action=sum(v[0] for v in control.values()),
    )
    for action, label in ACTION_TYPES.items():
        result.rows.append(_compare(action, label, cells, control))
    return result


def _compare(action: str, label: Any, cells: list[tuple[str, str, bool, dict[str, bool], int]],
             control: dict[tuple[str, str], list[int]]) -> OutcomeRow:
    treated: dict[tuple[str, str], list[int]] = {}
    for grade, band, is_won, got, n in cells:
        if (any(got.values()) if action == "any" else got[action]):
            entry = treated.setdefault((grade, band), [0, 0])
            entry[0] += n
            entry[1] += n * is_won
    row = OutcomeRow(action=action, label=label, treated=sum(v[0] for v in treated.values()))
    matched = {cell: v for cell, v in treated.items() if cell in control}
    row.matched = sum(v[0] for v in matched.values())
    if not row.matched:
        return row
    row.treated_won = sum(v[1] for v in matched.values())
    row.control = sum(control[cell][0] for cell in matched)
    row.treated_rate = row.treated_won / row.matched
    row.control_rate = sum(v[0] * control[cell][1] / control[cell][0] for cell, v in matched.items()) / row.matched
    row.difference = row.treated_rate - row.control_rate
    return row

