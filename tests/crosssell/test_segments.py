"""The "popular in the region and shop type" baseline's segments: the stored shop type first, else the name."""

import pytest

from analytics.crosssell.data import segment_shop_type, segments, shop_type
from customers.models import Customer, Region


@pytest.mark.parametrize(("text", "group"), [
    ("王记饭店", "restaurant"), ("餐饮", "restaurant"), ("天河便利店", "convenience"), ("粮油批发", "wholesale"),
    ("名烟名酒", "tobacco"), ("生活超市", "supermarket"), ("Convenience store", "convenience"), ("母婴店", ""),
])
def test_a_text_names_its_shop_type_group(text, group):
    assert shop_type(text) == group


def test_the_stored_shop_type_wins_over_the_name_and_an_unknown_one_is_its_own_segment():
    assert segment_shop_type("餐饮", "惠民便利店") == "restaurant"  # the distributor said so; the name misleads
    assert segment_shop_type(" 母婴店 ", "惠民便利店") == "母婴店"
    assert segment_shop_type("", "惠民便利店") == "convenience"
    assert segment_shop_type("", "惠民") == ""


@pytest.mark.django_db
def test_segments_read_region_and_shop_type_of_every_customer():
    south = Region.objects.create(name="广东", path="广东")
    a = Customer.objects.create(code="A", name="王记饭店", region=south)
    b = Customer.objects.create(code="B", name="惠民", region=south, shop_type="餐饮")
    c = Customer.objects.create(code="C", name="惠民超市", shop_type="")
    assert segments() == {a.pk: (south.pk, "restaurant"), b.pk: (south.pk, "restaurant"), c.pk: (None, "supermarket")}
