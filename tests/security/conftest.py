"""A small seeded world for the security tests: every kind of customer-bearing row, for two salespeople in two regions.

The layout of the shared `book` (tests/conftest.py) plus: distinctive mobiles, orders in Feb and Mar 2025, two
computed snapshot months, one visit per customer, one campaign with a coupon sent to every customer (one send
request per salesperson), an API token per user, a regional manager of 广东 and a manager of everything.

| code  | owner        | region    | south_mgr sees |
|-------|--------------|-----------|----------------|
| 00101 | 张三 sales1  | 广东/广州 | yes            |
| 00102 | 张三 sales1  | 广东      | yes            |
| 00201 | 李四 sales2  | 北京      | no             |
| 00202 | 李四 sales2  | 广东/广州 | yes            |
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.core import signals
from django.db import close_old_connections, transaction
from django.test import override_settings
from django.utils import timezone

from analytics.services.policies import policy_set
from analytics.services.snapshots import snapshot_compute
from coupons import sms
from coupons.models import Campaign, CouponIssue, SendRequest
from coupons.services.send import coupon_campaign_send
from customers.models import Customer, ManagerRegion, Visit
from customers.selectors import customer_list
from customers.tokens import api_token_issue
from tests.factories import (
    CustomerFactory,
    OrderFactory,
    RegionFactory,
    SalespersonFactory,
    UserFactory,
    VisitFactory,
)

P1, P = dt.date(2025, 2, 1), dt.date(2025, 3, 1)
MOBILES = {"00101": "+8613911110101", "00102": "+8613911110102", "00201": "+8613922220201",
           "00202": "+8613922220202"}
NAMES = {"00101": "天河便利店", "00102": "越秀超市", "00201": "朝阳批发", "00202": "海淀小卖部"}


@dataclass
class World:
    """Users by role name, customers by code, and the ids of the rows that belong to each customer."""

    users: dict[str, Any]
    customers: dict[str, Customer]
    salespeople: dict[str, Any]
    campaign: Campaign
    visits: dict[str, int] = field(default_factory=dict)
    issues: dict[str, int] = field(default_factory=dict)
    send_requests: dict[str, int] = field(default_factory=dict)  # username -> id
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, role: str) -> dict[str, str]:
        """The Authorization header of `role`, or none for "anonymous"."""
        return {"Authorization": f"Token {self.tokens[role]}"} if role in self.tokens else {}


# role -> (the codes it may see, the codes it must never see)
VISIBLE = {
    "admin": {"00101", "00102", "00201", "00202"},
    "manager": {"00101", "00102", "00201", "00202"},
    "south_manager": {"00101", "00102", "00202"},
    "sales1": {"00101", "00102"},
    "sales2": {"00201", "00202"},
}
ALL_CODES = frozenset(NAMES)


SMS_SETTINGS = {"SMS_QUIET_HOURS": "", "SMS_RATE_PER_SECOND": 0, "SMS_CALLBACK_TOKEN": "callback-secret",
                "ALLOWED_HOSTS": ["localhost", "testserver"]}


def world_seed() -> World:
    """Create the world's rows (the callers wrap it in a transaction they roll back)."""
    south, north = RegionFactory(name="广东"), RegionFactory(name="北京")
    gz = RegionFactory(name="广州", parent=south)
    sp1 = SalespersonFactory(name="张三", user=UserFactory(username="sales1", role="salesperson"))
    sp2 = SalespersonFactory(name="李四", user=UserFactory(username="sales2", role="salesperson"))
    spec = {"00101": (sp1, gz), "00102": (sp1, south), "00201": (sp2, north), "00202": (sp2, gz)}
    customers = {code: CustomerFactory(code=code, name=NAMES[code], owner=owner, region=region, mobile=MOBILES[code],
                                       contact=f"联系人{code}")
                 for code, (owner, region) in spec.items()}
    admin = UserFactory(username="boss", role="admin")
    south_manager = UserFactory(username="south_mgr", role="manager")
    ManagerRegion.objects.create(user=south_manager, region=south)
    users = {"admin": admin, "manager": UserFactory(username="manager", role="manager", company_wide=True),
             "south_manager": south_manager, "sales1": sp1.user, "sales2": sp2.user}
    for customer in customers.values():
        OrderFactory(customer=customer, order_date=dt.date(2025, 2, 10), amount=Decimal("20000.00"))
        OrderFactory(customer=customer, order_date=dt.date(2025, 3, 10), amount=Decimal("30000.00"))
    policy_set(data={"method": "fixed_amount"})
    snapshot_compute(period=P1)
    snapshot_compute(period=P)
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="春季回馈", kind=Campaign.Kind.FACE_VALUE, value=Decimal("20.00"), min_spend=Decimal("200.00"),
        valid_from=today, valid_to=today + dt.timedelta(days=30), created_by=admin,
        sms_template="{name}您好，送您{value}优惠券，券码{code}，{valid_to}前有效。",
    )
    w = World(users=users, customers=customers, salespeople={"sales1": sp1, "sales2": sp2}, campaign=campaign)
    for name in ("sales1", "sales2"):
        user = users[name]
        coupon_campaign_send(user=user, campaign=campaign, customers_qs=customer_list(user=user),
                             idempotency_key=f"seed-{name}")
        w.send_requests[name] = SendRequest.objects.get(user=user).pk
    for code, customer in customers.items():
        w.visits[code] = VisitFactory(customer=customer, date=dt.date(2025, 3, 12), note=f"拜访{code}").pk
        w.issues[code] = CouponIssue.objects.get(customer=customer, campaign=campaign).pk
    w.tokens = {name: api_token_issue(user=user)[1] for name, user in users.items()}
    assert Visit.objects.count() == 4 and CouponIssue.objects.count() == 4
    return w


@pytest.fixture(scope="module")
def world_module(django_db_setup, django_db_blocker):
    """The world, built once per test module inside a transaction that is rolled back at the module's end.

    Each test still runs in its own savepoint (it asks for `db` through `world`), so what a test writes is gone
    before the next one starts.
    """
    with override_settings(**SMS_SETTINGS), django_db_blocker.unblock(), transaction.atomic():
        sms.outbox.clear()
        yield world_seed()
        transaction.set_rollback(True)
    sms.outbox.clear()


@pytest.fixture
def world(world_module, db) -> World:
    sms.outbox.clear()
    for user in world_module.users.values():
        user.refresh_from_db()
    return world_module


@pytest.fixture
def wsgi_in_transaction():
    """Call the WSGI application in-process inside the test's transaction.

    Django's handler closes "old" connections around each request; inside a test transaction that would mark the
    connection broken. Django's own test client disconnects the same receiver for the same reason.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
