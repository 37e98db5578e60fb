"""crosssell_for (scoped, with its reason) and crosssell_eval on the database: affinity data and the demo."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from analytics.crosssell import selectors
from analytics.crosssell.selectors import crosssell_for, crosssell_wins
from analytics.models import CrossSellEval
from customers.models import Customer
from sales.models import Category, Order, OrderLine, Product
from tests.crosssell.synth import ITEMS, affinity_purchases

T = dt.date(2025, 12, 31)


def write_purchases(firsts, owners):
    """One order with one line per (customer, item, first_date); categories of 10 products each."""
    cats = [Category.objects.create(name=f"类{i}", path=f"类{i}") for i in range(ITEMS // 10)]
    Product.objects.bulk_create([Product(sku=f"P{i:03d}", name=f"商品{i}", category=cats[(i - 1) // 10])
                                 for i in range(1, ITEMS + 1)])
    product = dict(Product.objects.values_list("sku", "id"))
    ids = sorted(firsts["customer_id"].unique())
    Customer.objects.bulk_create([Customer(code=f"X{c:05d}", name=f"店{c}", owner=owners[c % len(owners)])
                                  for c in ids])
    pk = dict(Customer.objects.filter(code__startswith="X").values_list("code", "id"))
    orders = Order.objects.bulk_create([
        Order(order_no=f"A{n:06d}", customer_id=pk[f"X{r.customer_id:05d}"], order_date=r.first_date,
              amount=Decimal("10"))
        for n, r in enumerate(firsts.itertuples())
    ])
    OrderLine.objects.bulk_create([
        OrderLine(order=o, line_no=1, product_id=product[f"P{r.item_id:03d}"], quantity=1, amount=Decimal("10"))
        for o, r in zip(orders, firsts.itertuples(), strict=True)
    ])
    return pk


@pytest.fixture
def shop(book):
    selectors._cache.clear()
    firsts = affinity_purchases(customers=500, seed=4)
    pk = write_purchases(firsts, [book["sp1"], book["sp2"]])
    return firsts, pk


def test_suggestions_come_from_similar_customers_with_a_reason(shop, book):
    firsts, pk = shop
    customer = Customer.objects.get(code="X00002")
    owned = set(firsts[firsts["customer_id"] == 2]["item_id"])
    user = customer.owner.user
    found = crosssell_for(user=user, customer=customer, limit=5, as_of=T)
    assert len(found) == 5
    assert not {int(s.code[1:]) for s in found} & owned
    assert found[0].bought_by > 0 and found[0].neighbours == 20
    assert found[0].reason == f"bought by {found[0].bought_by} of 20 similar customers"
    cats = crosssell_for(user=user, customer=customer, limit=3, level="category", as_of=T)
    assert all(s.level == "category" and s.code.startswith("类") for s in cats)


def test_scoped_to_who_may_see_the_customer(shop, book, admin_user):
    customer = Customer.objects.get(code="X00002")
    other = book["sp2"] if customer.owner == book["sp1"] else book["sp1"]
    assert crosssell_for(user=other.user, customer=customer, as_of=T) == []
    assert len(crosssell_for(user=admin_user, customer=customer, as_of=T)) == 10


def test_a_new_customer_gets_popular_items(shop, book):
    fresh = Customer.objects.create(code="NEW1", name="新店", owner=book["sp1"])
    found = crosssell_for(user=book["sp1"].user, customer=fresh, limit=3, as_of=T)
    assert [s.bought_by for s in found] == [0, 0, 0]
    assert found[0].reason == "popular with customers like the rest of the book"


def test_the_basket_is_cached_until_orders_change(shop, django_assert_max_num_queries):
    selectors.crosssell_basket(level="product", as_of=T)
    with django_assert_max_num_queries(2):
        selectors.crosssell_basket(level="product", as_of=T)
    Order.objects.create(order_no="NEWORDER", customer=Customer.objects.first(), order_date=T, amount=1)
    with django_assert_max_num_queries(5) as ctx:
        selectors.crosssell_basket(level="product", as_of=T)
    assert len(ctx.captured_queries) > 2


def test_crosssell_eval_beats_both_baselines_on_affinity_data_and_saves_its_verdict(shop):
    out = io.StringIO()
    call_command("crosssell_eval", "--as-of", T.isoformat(), "--level", "product", "--windows", "90,180",
                 "--save", stdout=out)
    lines = [line.split() for line in out.getvalue().splitlines() if line.startswith("product ")]
    assert [r[1] for r in lines] == ["next_90d", "next_180d", "leave_one_out"], out.getvalue()
    # hit / recall / MAP for similar, items, popular, segment: 12 figures, then the verdict
    assert all(len(r) == 3 + 12 + 3 and r[-3:] == ["beats", "both", "baselines"] for r in lines), out.getvalue()
    saved = CrossSellEval.objects.get(level="product")
    assert saved.wins and set(saved.metrics) == {"next_90d", "next_180d", "leave_one_out"}
    assert crosssell_wins("product") and crosssell_wins("category")  # no check saved for categories: shown


def test_a_level_whose_check_lost_is_not_shown_on_the_profile(client, shop, book, manager_user):
    firsts, pk = shop
    customer = Customer.objects.get(pk=pk[f"X{int(firsts['customer_id'].iloc[0]):05d}"])
    CrossSellEval.objects.create(as_of=T, level="category", metrics={}, wins=False)
    client.force_login(manager_user)
    html = client.get(f"/customers/{customer.code}/", {"part": "crosssell"}).content.decode()
    assert html.count('data-crosssell="not-used"') == 1, html
    assert 'data-level="product"' in html and "<tbody><tr>" in html


@pytest.mark.django_db
def test_crosssell_eval_runs_on_the_demo():
    call_command("seed_demo", "--customers", "120", "--months", "6", "--end", "2025-06", "--force",
                 stdout=io.StringIO())
    out = io.StringIO()
    call_command("crosssell_eval", "--as-of", "2025-06-30", stdout=out)
    rows = [line.split() for line in out.getvalue().splitlines()[2:] if not line.split()[0].endswith(":")]
    protocols = ["next_30d", "next_60d", "next_90d", "next_180d", "leave_one_out"]
    assert [r[:2] for r in rows] == [[lv, p] for lv in ("product", "category") for p in protocols]
