"""Model constraints hold in the database, not only in forms."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from customers.models import Customer, Visit
from customers.services import customer_reassign, region_get_or_create, salesperson_get_or_create
from sales.models import OrderLine, Payment
from tests.factories import CustomerFactory, OrderFactory, SalespersonFactory


@pytest.mark.django_db
def test_customer_code_is_unique_and_keeps_leading_zeros():
    CustomerFactory(code="00123")
    assert Customer.objects.get(code="00123").code == "00123"
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerFactory(code="00123")


@pytest.mark.django_db
def test_override_needs_an_end_date():
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerFactory(override_grade="A", override_until=None)


@pytest.mark.django_db
def test_order_line_quantity_and_amount_share_a_sign():
    order = OrderFactory()
    OrderLine.objects.create(order=order, line_no=1, quantity=Decimal("-2"), amount=Decimal("-20.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.create(order=order, line_no=2, quantity=Decimal("-2"), amount=Decimal("20.00"))


@pytest.mark.django_db
def test_payment_amount_must_be_positive():
    customer = CustomerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(payment_no="P1", customer=customer, date=dt.date(2025, 1, 1), amount=Decimal("0"))


@pytest.mark.django_db
def test_visit_follow_up_not_before_visit():
    customer = CustomerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.create(customer=customer, date=dt.date(2025, 1, 2), next_date=dt.date(2025, 1, 1))


@pytest.mark.django_db
def test_region_path_creates_ancestors_once():
    leaf = region_get_or_create("广东/广州/天河")
    again = region_get_or_create(" 广东 / 广州 / 天河 ")
    assert leaf == again
    assert leaf.path == "广东/广州/天河"
    assert leaf.parent.path == "广东/广州"
    assert leaf.parent.parent.parent is None
    assert region_get_or_create("") is None


@pytest.mark.django_db
def test_salesperson_first_seen_gets_a_login_without_password():
    sp = salesperson_get_or_create("王五")
    assert salesperson_get_or_create("王五") == sp
    assert not sp.user.has_usable_password()
    assert list(sp.user.groups.values_list("name", flat=True)) == ["salesperson"]


@pytest.mark.django_db
def test_reassignment_keeps_history_and_deactivation_keeps_customers():
    old, new = SalespersonFactory(), SalespersonFactory()
    customer = CustomerFactory(owner=old)
    assert customer_reassign(customers=[customer], to=new, reason="离职交接") == 1
    assert customer_reassign(customers=[customer], to=new) == 0  # already there: no history row
    change = customer.ownership_changes.get()
    assert (change.from_salesperson, change.to_salesperson, change.reason) == (old, new, "离职交接")
    old.user.is_active = False
    old.user.save()
    assert Customer.objects.filter(pk=customer.pk).exists()
