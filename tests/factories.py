"""factory-boy factories for the distributor's rows."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from analytics.models import CustomerSnapshot
from customers.models import Customer, Region, Salesperson, Visit
from sales.models import Order, OrderLine, Payment, Product


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])

    @factory.post_generation
    def company_wide(self, create, extracted, **kwargs):
        """company_wide=True marks a manager as seeing every customer (a manager with no region sees nothing)."""
        if create and extracted:
            self.groups.add(Group.objects.get_or_create(name="company_wide")[0])


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("path",)

    name = factory.Sequence(lambda n: f"区域{n}")
    path = factory.LazyAttribute(lambda o: o.name if o.parent is None else f"{o.parent.path}/{o.name}")
    parent = None


class SalespersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Salesperson

    user = factory.SubFactory(UserFactory, role="salesperson")
    name = factory.Sequence(lambda n: f"业务员{n}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"C{n:05d}")
    name = factory.Sequence(lambda n: f"客户{n}")
    region = factory.SubFactory(RegionFactory)
    owner = factory.SubFactory(SalespersonFactory)
    mobile = factory.Sequence(lambda n: f"+86138{n:08d}")
    first_seen = dt.date(2024, 1, 1)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU{n:04d}")
    name = factory.Sequence(lambda n: f"商品{n}")


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    order_no = factory.Sequence(lambda n: f"SO{n:07d}")
    customer = factory.SubFactory(CustomerFactory)
    salesperson = factory.LazyAttribute(lambda o: o.customer.owner)
    order_date = dt.date(2025, 1, 15)
    amount = Decimal("100.00")
    cost = Decimal("70.00")


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    line_no = factory.Sequence(lambda n: n + 1)
    product = factory.SubFactory(ProductFactory)
    quantity = Decimal("1")
    amount = Decimal("100.00")
    cost = Decimal("70.00")


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    payment_no = factory.Sequence(lambda n: f"PAY{n:06d}")
    customer = factory.SubFactory(CustomerFactory)
    date = dt.date(2025, 2, 1)
    amount = Decimal("50.00")


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    customer = factory.SubFactory(CustomerFactory)
    salesperson = factory.LazyAttribute(lambda o: o.customer.owner)
    date = dt.date(2025, 1, 20)


class CustomerSnapshotFactory(factory.django.DjangoModelFactory):
    """A snapshot row written directly (not by a snapshot run): a quiet, active customer unless told otherwise."""

    class Meta:
        model = CustomerSnapshot

    period = dt.date(2025, 3, 1)
    customer = factory.SubFactory(CustomerFactory)
    code = factory.LazyAttribute(lambda o: o.customer.code)
    region = factory.LazyAttribute(lambda o: o.customer.region)
    salesperson = factory.LazyAttribute(lambda o: o.customer.owner)
    grade = "C"
    computed_grade = factory.LazyAttribute(lambda o: o.grade)
    sales = Decimal(0)
    orders = 0
    profit = Decimal(0)
    lifecycle = "active"
    is_new = False
    sales_surge = sales_plunge = orders_surge = orders_plunge = False
    receivable = overdue = Decimal(0)
    action = "keep"
