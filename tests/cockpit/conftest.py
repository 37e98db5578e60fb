"""A graded book for the cockpit pages: the shared `book` plus orders, payments and two computed months.

Policy fixed_amount (A >= 100k, B >= 50k, C >= 10k). Period P = 2025-03 (T = 03-31), P-1 = 2025-02.
00101 also bought 30k on 2024-03-05 (paid 2024-04-01).

| code  | owner | region    | Feb     | Mar     | grade (prev) | notes                                          |
|-------|-------|-----------|---------|---------|--------------|------------------------------------------------|
| 00101 | 张三  | 广东/广州 | 120,000 | 60,000  | B (A) down   | credit 30 days: receivable 130k, overdue 70k; plunge |
| 00102 | 张三  | 广东      | 20,000  | 150,000 | A (C) up     | surge; visited 03-05; contact "=HYPERLINK(1)"  |
| 00201 | 李四  | 北京      | 60,000  | -       | D (B) down   | at risk; coupon 2025-01-15; plunge             |
| 00202 | 李四  | 广东/广州 | -       | -       | B* (D)       | never bought; manual override B                |
| 00203 | 李四  | 北京      | -       | 5,000   | D (none)     | new: first seen with its first order 03-20     |
"""

import datetime as dt
from decimal import Decimal

import pytest

from analytics.services.policies import policy_set
from analytics.services.snapshots import snapshot_compute
from customers.models import Customer
from sales.models import Payment
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory

P = dt.date(2025, 3, 1)
P1 = dt.date(2025, 2, 1)


def order(customer, day, amount, *, lines=()):
    o = OrderFactory(customer=customer, order_date=day, amount=Decimal(amount), cost=Decimal(amount) * 0)
    for product, line_amount in lines:
        OrderLineFactory(order=o, product=product, amount=Decimal(line_amount), cost=Decimal(0))
    return o


@pytest.fixture
def graded(book):
    c1, c2, c3, c4 = book["c1"], book["c2"], book["c3"], book["c4"]
    Customer.objects.filter(pk=c1.pk).update(mobile="+8613800138001", contact="王经理", credit_days=30,
                                             shop_type="便利店")
    Customer.objects.filter(pk=c2.pk).update(mobile="+8613800138002", contact="=HYPERLINK(1)",
                                             shop_type="-超市", last_visit_date=dt.date(2025, 3, 5))
    Customer.objects.filter(pk=c3.pk).update(mobile="+8613800138003", last_coupon_date=dt.date(2025, 1, 15))
    Customer.objects.filter(pk=c4.pk).update(mobile="+8613800138004", override_grade="B",
                                             override_until=dt.date(2025, 12, 31), override_reason="new prospect")
    c5 = CustomerFactory(code="00203", name="东城新店", owner=book["sp2"], region=c3.region, first_seen=None,
                         mobile="+8613800138005")
    for c in (c1, c2, c3, c4):
        c.refresh_from_db()
    oil, rice = ProductFactory(sku="OIL", name="花生油"), ProductFactory(sku="RICE", name="大米")
    order(c1, dt.date(2024, 3, 5), "30000.00")
    order(c1, dt.date(2025, 2, 10), "120000.00", lines=[(oil, "100000.00"), (rice, "20000.00")])
    order(c1, dt.date(2025, 3, 10), "60000.00", lines=[(rice, "60000.00")])
    Payment.objects.create(payment_no="P1", customer=c1, date=dt.date(2024, 4, 1), amount=Decimal("30000"))
    Payment.objects.create(payment_no="P2", customer=c1, date=dt.date(2025, 3, 1), amount=Decimal("50000"))
    order(c2, dt.date(2025, 2, 15), "20000.00")
    order(c2, dt.date(2025, 3, 15), "150000.00")
    order(c3, dt.date(2025, 2, 10), "60000.00")
    order(c5, dt.date(2025, 3, 20), "5000.00")
    policy_set(data={"method": "fixed_amount"})
    snapshot_compute(period=P1)
    snapshot_compute(period=P)
    return {**book, "c5": c5, "oil": oil, "rice": rice}


def codes(response) -> list[str]:
    """Customer codes of the list page's rows, in order."""
    return [row.code for row in response.context["page"].object_list]
