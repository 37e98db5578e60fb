"""seed_demo: deterministic demo data, its logins and roles, and the command's safety rules (docs/interfaces.md §4)."""

import datetime as dt
import hashlib
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Max, Sum
from django.utils import timezone

from analytics.crosssell.data import purchases
from analytics.crosssell.evaluate import holdout_leave_one_out, holdout_next
from customers.models import Customer, ManagerRegion, Visit
from customers.phones import normalize_mobile
from customers.roles import is_company_wide_manager, user_role
from customers.selectors import sees_every_customer
from sales.demo.calendar import add_months, spring_festival
from sales.demo.profiles import SHOP_SUFFIXES
from sales.demo.taste import CONVENIENCE, RESTAURANT, TOBACCO
from sales.models import Order, OrderLine, Payment, Product
from tests.factories import CustomerFactory

SMALL = ["--customers", "60", "--months", "6", "--end", "2025-06"]
END = dt.date(2025, 6, 30)


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def data_hash() -> str:
    """A hash over the sorted rows by natural keys (ids and row timestamps differ between runs by design)."""
    tables = [
        Customer.objects.values_list(
            "code", "name", "region__path", "owner__name", "contact", "mobile", "address", "tags", "first_seen",
            "credit_days", "birthday", "sms_opt_out_at", "last_visit_date",
        ),
        Order.objects.values_list(
            "order_no", "customer__code", "salesperson__name", "order_date", "status", "amount", "cost"
        ),
        OrderLine.objects.values_list(
            "order__order_no", "line_no", "product__sku", "quantity", "unit_price", "amount", "cost"
        ),
        Payment.objects.values_list("payment_no", "customer__code", "date", "amount"),
        Visit.objects.values_list("visit_no", "customer__code", "salesperson__name", "date", "kind", "note",
                                  "next_date"),
        Product.objects.values_list("sku", "name", "category__path", "unit_cost"),
    ]
    digest = hashlib.sha256()
    for rows in tables:
        for row in sorted(tuple(str(v) for v in r) for r in rows):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def flush() -> None:
    """Empty the database inside the test's transaction (PostgreSQL first runs the pending deferred FK checks)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    return settings


@pytest.fixture
def demo(db, debug):
    return seed(*SMALL)


def test_same_arguments_give_identical_data(db, debug):
    seed(*SMALL)
    first = data_hash()
    flush()
    seed(*SMALL)
    assert data_hash() == first
    assert Order.objects.count() > 500


def test_different_seed_gives_different_data(db, debug):
    seed(*SMALL)
    first = data_hash()
    flush()
    seed(*SMALL, "--seed", "7")
    assert data_hash() != first


def test_force_replaces_the_demo_with_identical_data(demo):
    first = data_hash()
    out = seed(*SMALL, "--force")
    assert "deleted the existing customers" in out
    assert data_hash() == first
    assert Customer.objects.count() == 60


def test_summary_and_logins_are_printed(demo):
    assert "60 customers" in demo
    assert "orders" in demo and "lines" in demo and "payments" in demo and "visits" in demo
    assert "password: demo" in demo and "manager" in demo and "sales1" in demo and "admin" in demo


def test_demo_logins_have_their_roles_and_password_demo(demo):
    users = get_user_model().objects
    roles = {name: user_role(users.get(username=name)) for name in ("admin", "manager", "manager_south", "sales1")}
    assert roles == {"admin": "admin", "manager": "manager", "manager_south": "manager", "sales1": "salesperson"}
    admin = users.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    for name in ("admin", "manager", "manager_south", "sales1", "sales10"):
        assert users.get(username=name).check_password("demo"), name
    assert not ManagerRegion.objects.filter(user__username="manager").exists()
    # `manager` sees every customer because it is marked so, `manager_south` only 广东 (issue 17 item 2).
    assert is_company_wide_manager(users.get(username="manager"))
    assert not is_company_wide_manager(users.get(username="manager_south"))
    assert sees_every_customer(users.get(username="manager"))
    assert list(ManagerRegion.objects.filter(user__username="manager_south").values_list("region__path", flat=True)) \
        == ["广东"]


def test_sales1_owns_some_but_not_all_customers(demo):
    owned = Customer.objects.filter(owner__user__username="sales1").count()
    assert 0 < owned < Customer.objects.count()
    assert Customer.objects.filter(owner__isnull=True).count() == 0


def test_codes_keep_leading_zeros(demo):
    codes = list(Customer.objects.order_by("code").values_list("code", flat=True))
    assert codes[0] == "000001" and codes[-1] == "000060"
    assert all(len(c) == 6 for c in codes)


def test_never_bought_customers_exist_with_first_seen(demo):
    never = Customer.objects.filter(orders__isnull=True)
    assert never.exists()
    assert not never.filter(first_seen__isnull=True).exists()


def test_returns_have_negative_quantities_and_amounts(demo):
    returns = Order.objects.filter(amount__lt=0)
    assert returns.exists()
    lines = OrderLine.objects.filter(order__in=returns)
    assert lines.exists()
    assert not lines.filter(quantity__gte=0).exists()
    assert not returns.filter(cost__gt=0).exists()
    assert Order.objects.filter(status=Order.Status.CANCELLED).exists()


def test_order_totals_are_the_sums_of_their_lines(demo):
    sums = {
        r["order_id"]: (r["a"], r["c"])
        for r in OrderLine.objects.values("order_id").annotate(a=Sum("amount"), c=Sum("cost"))
    }
    for order_id, amount, cost in Order.objects.values_list("id", "amount", "cost"):
        line_amount, line_cost = sums[order_id]
        # SQLite sums decimals as floats: compare to the fen.
        assert round(line_amount, 2) == amount and round(line_cost, 2) == cost
    assert not OrderLine.objects.filter(line_no__gt=5).exists()


def test_dates_stay_inside_the_period(demo):
    span = Order.objects.values_list("order_date", flat=True)
    assert min(span) >= dt.date(2025, 1, 1) and max(span) <= END
    assert Payment.objects.aggregate(m=Max("date"))["m"] <= END
    assert Visit.objects.aggregate(m=Max("date"))["m"] <= END


def test_mobiles_are_valid_e164_and_a_few_are_missing(db, debug):
    seed("--customers", "200", "--months", "2", "--end", "2025-06")
    mobiles = list(Customer.objects.values_list("mobile", flat=True))
    present = [m for m in mobiles if m]
    assert 0 < len(mobiles) - len(present) < 20
    assert all(m.startswith("+861") and normalize_mobile(m) == m for m in present)
    assert Customer.objects.filter(credit_days=0).count() > Customer.objects.filter(credit_days=60).count() > 0
    assert Customer.objects.exclude(sms_opt_out_at=None).exists()
    assert Customer.objects.exclude(birthday=None).exists()


def test_payments_only_for_credit_customers_and_some_receivables_stay_open(demo):
    assert Payment.objects.exists()
    assert not Payment.objects.filter(customer__credit_days=0).exists()
    assert not Payment.objects.filter(amount__lte=0).exists()
    credit = Order.objects.filter(customer__credit_days__gt=0, status=Order.Status.CONFIRMED)
    assert credit.aggregate(s=Sum("amount"))["s"] > Payment.objects.aggregate(s=Sum("amount"))["s"]


def test_last_visit_date_is_the_latest_visit(demo):
    latest = dict(Visit.objects.values("customer_id").annotate(d=Max("date")).values_list("customer_id", "d"))
    assert latest
    for customer_id, last in Customer.objects.values_list("id", "last_visit_date"):
        assert last == latest.get(customer_id)
    assert set(Visit.objects.values_list("kind", flat=True)) == {"onsite", "phone", "message"}


def test_spring_festival_comes_from_chinese_calendar_and_falls_back_outside_its_range():
    assert spring_festival(2025) == (dt.date(2025, 1, 28), dt.date(2025, 2, 4))
    first, last = spring_festival(2099)  # beyond the package's data: no error, a week in early February
    assert first.month == 2 and (last - first).days == 6


def test_spring_festival_month_is_quieter(db, debug):
    seed("--customers", "150", "--months", "3", "--end", "2025-03")
    per_month = {m: Order.objects.filter(order_date__month=m).count() for m in (1, 2, 3)}
    # Jan 2025 holds the stock-up weeks, Feb the holiday (Jan 28 - Feb 4) and the slow days after it.
    assert per_month[2] < 0.8 * per_month[1]


def test_default_end_is_last_month(db, debug):
    seed("--customers", "20", "--months", "1")
    expected = add_months(timezone.localdate().replace(day=1), -1)
    dates = Order.objects.values_list("order_date", flat=True)
    assert {(d.year, d.month) for d in dates} == {(expected.year, expected.month)}


def test_refuses_with_debug_off_unless_forced(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        seed(*SMALL)
    assert not Customer.objects.exists()
    seed("--customers", "10", "--months", "1", "--end", "2025-06", "--force")
    assert Customer.objects.count() == 10


def test_if_empty_is_a_no_op_on_a_non_empty_database(db, settings):
    settings.DEBUG = False  # --if-empty on a populated database never needs --force: it does nothing
    CustomerFactory(code="X1")
    out = seed(*SMALL, "--if-empty")
    assert "nothing to do" in out
    assert list(Customer.objects.values_list("code", flat=True)) == ["X1"]
    assert not Order.objects.exists()


def test_if_empty_seeds_an_empty_database(db, debug):
    seed("--customers", "10", "--months", "1", "--end", "2025-06", "--if-empty")
    assert Customer.objects.count() == 10


def test_non_empty_database_is_refused_without_force(db, debug):
    CustomerFactory(code="X1")
    with pytest.raises(CommandError, match="--force"):
        seed(*SMALL)
    assert Customer.objects.count() == 1


@pytest.mark.parametrize("end", ["2025-13", "2025/06", "June"])
def test_bad_end_month_is_a_usage_error(db, debug, end):
    with pytest.raises(CommandError, match="--end"):
        seed("--end", end)


def category_shares(suffixes: list[str]) -> dict[str, float]:
    """Share of each top-level category in the positive line amounts of customers whose name ends so."""
    lines = OrderLine.objects.filter(amount__gt=0, order__customer__name__regex=f"({'|'.join(suffixes)})$")
    by = dict(lines.values_list("product__category__path").annotate(a=Sum("amount")).values_list(
        "product__category__path", "a"))
    total = float(sum(by.values()))
    shares: dict[str, float] = {}
    for path, amount in by.items():
        shares[path.split("/")[0]] = shares.get(path.split("/")[0], 0.0) + float(amount) / total
    return shares


def test_names_follow_the_shop_type_and_each_type_buys_its_own_part_of_the_catalogue(db, debug):
    seed("--customers", "200", "--months", "6", "--end", "2025-06")
    every = [s for kind in SHOP_SUFFIXES for s in kind]
    assert all(any(name.endswith(s) for s in every) for name in Customer.objects.values_list("name", flat=True))
    shop, restaurant, liquor = (category_shares(SHOP_SUFFIXES[k]) for k in (CONVENIENCE, RESTAURANT, TOBACCO))
    staples = lambda shares: shares.get("粮油", 0) + shares.get("调味品", 0)  # noqa: E731
    assert staples(restaurant) > 0.4 and staples(shop) < 0.1, (restaurant, shop)
    assert liquor["酒类"] > 0.4 and shop.get("酒类", 0) < 0.2, (liquor, shop)
    assert shop["饮料"] + shop["零食"] > 0.6, shop


def test_an_order_never_lists_one_product_twice(demo):
    per_order = OrderLine.objects.values("order_id").annotate(n=Count("id"), products=Count("product_id",
                                                                                             distinct=True))
    assert per_order.exists()
    assert not [r for r in per_order if r["n"] != r["products"]]


def test_crosssell_beats_popularity_on_the_demo(db, debug):
    """docs/analytics.md §3.8 / issue 8: similar customers' suggestions beat the most popular items on the demo's
    data."""
    seed("--customers", "200", "--months", "6", "--end", "2025-06")
    for level in ("product", "category"):
        frame = purchases(as_of=END, level=level)
        for result in (holdout_next(frame, END - dt.timedelta(days=90)), holdout_leave_one_out(frame)):
            assert result["test_customers"] > 100, (level, result)
            assert result["beats_popularity"], (level, result)
    loo = holdout_leave_one_out(purchases(as_of=END))
    assert loo["similar"]["hit_rate"] > loo["popular"]["hit_rate"] + 0.05, loo


def test_the_force_wipe_also_empties_the_snapshot_rows_it_cannot_reach_by_cascade(db):
    """The snapshot rows' customer has no database constraint, so TRUNCATE ... CASCADE (or SQLite's twin) does
    not find them: the wipe names their table itself, and a reseed never shows rows of customers now gone."""
    from analytics.models import CustomerSnapshot
    from analytics.services.snapshots import snapshot_compute
    from sales.demo.writer import DEMO_MODELS, demo_wipe, unconstrained_dependents
    from tests.factories import OrderFactory

    OrderFactory(customer=CustomerFactory(first_seen=dt.date(2025, 1, 1)), order_date=dt.date(2025, 3, 2))
    snapshot_compute(period=dt.date(2025, 3, 1))
    assert CustomerSnapshot.objects.count() == 1
    assert unconstrained_dependents(DEMO_MODELS) == ["analytics_customersnapshot", "sales_customermonth"]
    demo_wipe()
    assert CustomerSnapshot.objects.count() == 0
