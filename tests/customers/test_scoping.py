"""One scoping selector: salespeople see their own, regional managers their regions, admins all."""

import pytest
from django.contrib.auth.models import AnonymousUser

from customers.selectors import customer_get, customer_list, regions_visible, salespeople_visible, scoped
from sales.models import Order
from tests.factories import OrderFactory, UserFactory


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


@pytest.mark.django_db
def test_salesperson_sees_only_own_customers(book):
    assert codes(customer_list(user=book["sp1"].user)) == ["00101", "00102"]
    assert codes(customer_list(user=book["sp2"].user)) == ["00201", "00202"]


@pytest.mark.django_db
def test_salesperson_cannot_get_anothers_customer(book):
    assert customer_get(user=book["sp1"].user, code="00201") is None
    assert customer_get(user=book["sp1"].user, code="00101") == book["c1"]


@pytest.mark.django_db
def test_regional_manager_sees_region_and_subregions_only(book, south_manager):
    # 广东 includes 广东/广州; 北京 is another region.
    assert codes(customer_list(user=south_manager)) == ["00101", "00102", "00202"]
    assert sorted(regions_visible(user=south_manager).values_list("path", flat=True)) == ["广东", "广东/广州"]


@pytest.mark.django_db
def test_company_wide_manager_and_admin_see_all(book, manager_user, admin_user):
    assert codes(customer_list(user=manager_user)) == ["00101", "00102", "00201", "00202"]
    assert codes(customer_list(user=admin_user)) == ["00101", "00102", "00201", "00202"]


@pytest.mark.django_db
def test_no_role_and_anonymous_see_nothing(book):
    assert codes(customer_list(user=UserFactory(username="nobody"))) == []
    assert codes(customer_list(user=AnonymousUser())) == []


@pytest.mark.django_db
def test_inactive_salesperson_sees_nothing(book):
    user = book["sp1"].user
    user.is_active = False
    user.save()
    assert codes(customer_list(user=user)) == []


@pytest.mark.django_db
def test_rows_of_customers_are_scoped_the_same_way(book, south_manager):
    for key in ("c1", "c2", "c3", "c4"):
        OrderFactory(customer=book[key], order_no=f"SO-{key}")
    mine = scoped(Order.objects.all(), user=book["sp1"].user)
    assert sorted(mine.values_list("order_no", flat=True)) == ["SO-c1", "SO-c2"]
    region = scoped(Order.objects.all(), user=south_manager)
    assert sorted(region.values_list("order_no", flat=True)) == ["SO-c1", "SO-c2", "SO-c4"]


@pytest.mark.django_db
def test_salespeople_filter_choices_are_scoped(book, south_manager):
    assert list(salespeople_visible(user=book["sp1"].user)) == [book["sp1"]]
    assert sorted(s.name for s in salespeople_visible(user=south_manager)) == ["张三", "李四"]
