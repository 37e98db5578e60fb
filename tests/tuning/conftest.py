"""Fixtures of the admin tuning tests: a graded book over two months, clients per role, a fresh cache."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache

from tests.factories import CustomerFactory, OrderFactory, UserFactory

P = dt.date(2025, 3, 1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def order(customer, day, amount, cost="0"):
    return OrderFactory(customer=customer, order_date=day, amount=Decimal(amount), cost=Decimal(cost))


@pytest.fixture
def graded(book, regions):
    """The book's four customers plus 20 more with February and March sales that differ, so policies disagree."""
    customers = [book["c1"], book["c2"], book["c3"], book["c4"]]
    for i in range(20):
        owner = book["sp1"] if i % 2 else book["sp2"]
        region = regions["gz"] if i % 3 else regions["north"]
        customers.append(CustomerFactory(code=f"G{i:03d}", owner=owner, region=region,
                                         first_seen=dt.date(2024, 6, 1)))
    for i, customer in enumerate(customers):
        march = (i * 7919) % 23 * 1000 + 500 * (i % 4)  # spread, with ties broken by code
        feb = (i * 104729) % 19 * 1000
        if march:
            order(customer, dt.date(2025, 3, 1 + i % 27), f"{march}.00", cost=f"{march * 0.7:.2f}")
        if feb:
            order(customer, dt.date(2025, 2, 1 + i % 27), f"{feb}.00", cost=f"{feb * 0.6:.2f}")
        if i % 5 == 0:
            order(customer, dt.date(2024, 12, 10), "3000.00", cost="1000.00")
    return {**book, "customers": customers}


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def nobody(db):
    """A login with no role: sees nothing."""
    return UserFactory(username="nobody")
