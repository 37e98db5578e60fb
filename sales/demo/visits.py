"""Visits, calls and messages over the whole period; the last one per customer feeds Customer.last_visit_date.

Bigger customers are visited more often (a salesperson protects volume, docs/analytics.md §3.6); never-buyers get the
odd prospecting visit; churned customers still get calls. Every visit is by the customer's owner.
"""

from dataclasses import dataclass

import numpy as np

from .calendar import Period
from .customers import MEDIAN_SPEND, Behaviour

SEED_STAGE = 5
KINDS = ["onsite", "phone", "message"]
KIND_P = [0.45, 0.4, 0.15]
NOTES = {
    "onsite": ["店里查看陈列，补了饮料货架", "老板说最近客流少，想要促销支持", "介绍了新品，老板愿意试销",
               "核对了上月对账单", "门店在装修，下月再订", "推荐了春节礼盒", "客户反馈送货慢，已协调仓库"],
    "phone": ["电话回访，客户说下周补货", "询问为什么本月没下单，说库存还多", "催收上月货款，答应月底付",
              "客户要价格表，已发送", "通知新品到货", "电话没人接，改天再打"],
    "message": ["微信发了本月促销单", "发送了对账单", "提醒订货截单时间", "发送了新品图片和价格"],
}


@dataclass
class Visits:
    customer: np.ndarray
    day: np.ndarray
    kind: list[str]
    note: list[str]
    next_day: np.ndarray  # -1 for no follow-up


def visits_generate(*, who: Behaviour, period: Period, seed: int) -> Visits:
    """All visits of the period, sorted by (day, customer)."""
    rng = np.random.default_rng([seed, SEED_STAGE])
    n, days, months = len(who), period.days, len(period.month_starts)
    rate = np.clip(0.12 + 0.25 * np.log10(np.maximum(who.spend, 100) / MEDIAN_SPEND * 4), 0.05, 2.0)
    lo = np.array([period.month_bounds(m)[0] for m in range(months)] + [days])
    known = np.maximum(who.first_seen_day, 0)
    # customers x months: visits only once the customer is known
    counts = rng.poisson(rate[:, None] * (known[:, None] < lo[None, 1:]))
    customer = np.repeat(np.repeat(np.arange(n), months), counts.ravel())
    month = np.repeat(np.tile(np.arange(months), n), counts.ravel())
    day = lo[month] + (rng.random(len(month)) * (lo[month + 1] - lo[month])).astype(np.int64)
    day = np.maximum(day, known[customer])
    order = np.lexsort((customer, day))
    customer, day = customer[order], day[order]
    k = len(day)
    kind_i = rng.choice(len(KINDS), size=k, p=KIND_P)
    kinds = [KINDS[i] for i in kind_i.tolist()]
    pick = rng.random(k).tolist()
    notes = [NOTES[kd][int(p * len(NOTES[kd]))] for kd, p in zip(kinds, pick, strict=True)]
    next_day = np.where(rng.random(k) < 0.7, day + rng.integers(7, 31, k), -1)
    return Visits(customer=customer, day=day, kind=kinds, note=notes, next_day=next_day)


def last_visit_day(visits: Visits, n: int) -> np.ndarray:
    """Day index of each customer's latest visit, -1 for none."""
    last = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last, visits.customer, visits.day)
    return last
