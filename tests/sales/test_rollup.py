"""The monthly rollup kept by triggers (sales/rollup.py): exact rows, and no drift after any kind of write.

Runs on both engines: SQLite locally, PostgreSQL in CI (its statement-level triggers are the ones at scale).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.services_admin.merge import customers_merge
from sales.bulk import bulk_insert
from sales.demo.writer import demo_wipe
from sales.models import CustomerMonth, Order
from sales.rollup import rollup_drift, rollup_rebuild
from tests.factories import CustomerFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

D = dt.date


def table() -> list[tuple]:
    rows = CustomerMonth.objects.order_by("customer__code", "month").values_list(
        "customer__code", "month", "sales", "cost", "positive_sales", "orders", "first_any", "first_positive",
        "last_positive",
    )
    return [(code, f"{m:%Y-%m}", str(s), str(c), str(p), n, a, f, last) for code, m, s, c, p, n, a, f, last in rows]


@pytest.fixture
def two():
    return CustomerFactory(code="C1"), CustomerFactory(code="C2")


def test_rows_are_the_sums_of_the_live_orders(two):
    c1, c2 = two
    OrderFactory(customer=c1, order_date=D(2025, 1, 3), amount=Decimal("100.10"), cost=Decimal("60.00"))
    OrderFactory(customer=c1, order_date=D(2025, 1, 20), amount=Decimal("-30.05"), cost=Decimal("-18.00"))
    OrderFactory(customer=c1, order_date=D(2025, 1, 31), amount=Decimal("50.00"), cost=Decimal("30.00"))
    OrderFactory(customer=c1, order_date=D(2025, 1, 9), amount=Decimal("999.00"), status=Order.Status.CANCELLED)
    OrderFactory(customer=c1, order_date=D(2025, 2, 1), amount=Decimal("0.00"), cost=Decimal("0.00"))
    OrderFactory(customer=c2, order_date=D(2025, 2, 28), amount=Decimal("-5.00"), cost=Decimal("0.00"))
    OrderFactory(customer=c2, order_date=D(2025, 3, 2), status=Order.Status.CANCELLED)
    assert table() == [
        ("C1", "2025-01", "120.05", "72.00", "150.10", 2, D(2025, 1, 3), D(2025, 1, 3), D(2025, 1, 31)),
        ("C1", "2025-02", "0.00", "0.00", "0.00", 0, D(2025, 2, 1), None, None),
        ("C2", "2025-02", "-5.00", "0.00", "0.00", 0, D(2025, 2, 28), None, None),
    ]
    assert rollup_drift() == 0


def test_updates_and_deletes_recompute_the_months_they_touch(two):
    c1, c2 = two
    first = OrderFactory(customer=c1, order_date=D(2025, 1, 3), amount=Decimal("100.00"), cost=Decimal("1.00"))
    last = OrderFactory(customer=c1, order_date=D(2025, 1, 25), amount=Decimal("40.00"), cost=Decimal("1.00"))
    # The last positive order of January moves to March: January's max must fall back to the 3rd.
    Order.objects.filter(pk=last.pk).update(order_date=D(2025, 3, 1))
    assert table() == [
        ("C1", "2025-01", "100.00", "1.00", "100.00", 1, D(2025, 1, 3), D(2025, 1, 3), D(2025, 1, 3)),
        ("C1", "2025-03", "40.00", "1.00", "40.00", 1, D(2025, 3, 1), D(2025, 3, 1), D(2025, 3, 1)),
    ]
    Order.objects.filter(pk=first.pk).update(status=Order.Status.CANCELLED)  # January has no live order left
    Order.objects.filter(pk=last.pk).update(customer=c2, amount=Decimal("45.50"))
    assert table() == [("C2", "2025-03", "45.50", "1.00", "45.50", 1, D(2025, 3, 1), D(2025, 3, 1), D(2025, 3, 1))]
    Order.objects.filter(pk=last.pk).delete()
    assert table() == []
    assert rollup_drift() == 0


def test_bulk_copy_insert_and_rebuild(two):
    c1, c2 = two
    fields = ["order_no", "customer_id", "order_date", "status", "amount", "cost", "coupon_code", "content_hash"]
    rows = [(f"B{i}", (c1, c2)[i // 12 % 2].pk, D(2025, 1 + i % 12, 1 + i % 28), "confirmed",
             Decimal(f"{i}.{i % 100:02d}") * (-1 if i % 7 == 0 else 1), Decimal("1.00"), "", "")
            for i in range(1, 400)]
    assert bulk_insert(Order, fields, rows) == 399
    assert CustomerMonth.objects.count() == 24
    assert rollup_drift() == 0
    expected = table()
    CustomerMonth.objects.filter(customer=c1).update(sales=0)  # damage it, as a bad hand edit would
    assert rollup_drift() == 12
    assert rollup_rebuild() == 24
    assert table() == expected
    assert rollup_drift() == 0


def test_a_merge_moves_the_rollup_with_the_orders(two):
    c1, c2 = two
    OrderFactory(customer=c1, order_date=D(2025, 1, 3), amount=Decimal("10.00"), cost=Decimal("0.00"))
    OrderFactory(customer=c2, order_date=D(2025, 1, 5), amount=Decimal("20.00"), cost=Decimal("0.00"))
    customers_merge(survivor=c1, merged=c2, by=UserFactory())
    assert table() == [("C1", "2025-01", "30.00", "0.00", "30.00", 2, D(2025, 1, 3), D(2025, 1, 3), D(2025, 1, 5))]


def test_the_demo_wipe_empties_it(two):
    OrderFactory(customer=two[0], order_date=D(2025, 1, 3))
    demo_wipe()
    assert CustomerMonth.objects.count() == 0


def test_rollup_command_checks_and_rebuilds(two, capsys):
    OrderFactory(customer=two[0], order_date=D(2025, 1, 3))
    CustomerMonth.objects.update(orders=9)
    with pytest.raises(SystemExit) as failed:
        call_command("rollup", "--check")
    assert failed.value.code == 1
    assert "1 row(s) of the monthly rollup disagree with the orders" in capsys.readouterr().err
    call_command("rollup", "--rebuild")
    assert "rebuilt the monthly rollup: 1 row(s)" in capsys.readouterr().out
    call_command("rollup", "--check")
    assert "the monthly rollup matches the orders" in capsys.readouterr().out


OPS = st.lists(st.tuples(
    st.sampled_from(["add", "amount", "move", "cancel", "owner", "delete", "shift", "swap"]),
    st.integers(0, 30), st.integers(-300, 900), st.integers(1, 90),
), min_size=1, max_size=25)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_any_sequence_of_writes_leaves_no_drift(two, ops):
    orders = list(Order.objects.order_by("pk"))
    for op, pick, cents, day in ops:
        target = orders[pick % len(orders)] if orders else None
        when = D(2025, 1, 1) + dt.timedelta(days=day)
        if op == "add" or target is None:
            orders.append(OrderFactory(customer=two[pick % 2], order_date=when, amount=Decimal(cents) / 100))
        elif op == "amount":
            Order.objects.filter(pk=target.pk).update(amount=Decimal(cents) / 100)
        elif op == "move":
            Order.objects.filter(pk=target.pk).update(order_date=when)
        elif op == "cancel":
            Order.objects.filter(pk=target.pk).update(status=Order.Status.CANCELLED)
        elif op == "owner":
            Order.objects.filter(pk=target.pk).update(customer=two[pick % 2])
        elif op == "shift":  # one statement moving many orders across month ends
            Order.objects.filter(customer=two[pick % 2]).update(order_date=F("order_date") + dt.timedelta(days=day))
        elif op == "swap":  # one statement moving every order of one customer to the other
            Order.objects.filter(customer=two[pick % 2]).update(customer=two[(pick + 1) % 2])
        else:
            Order.objects.filter(pk=target.pk).delete()
            orders.remove(target)
    assert rollup_drift() == 0, connection.vendor


WRITERS, ROUNDS = 4, 25


def _race(work, writers: int = WRITERS, rounds: int = ROUNDS) -> list[str]:
    """Run `work(i, round)` in `writers` threads (each its own database connection), all starting each round
    together, each round in one transaction; returns the errors."""
    import threading

    from django.db import transaction

    barrier, errors = threading.Barrier(writers), []

    def writer(i: int) -> None:
        try:
            for n in range(rounds):
                barrier.wait(timeout=60)
                with transaction.atomic():
                    work(i, n)
        except Exception as exc:  # noqa: BLE001 - collected and asserted
            errors.append(f"writer {i}: {type(exc).__name__}: {exc}")
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return errors


def _pause() -> None:
    """Hold the transaction open a moment, after the trigger ran: the others' writes of the same key overlap it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.005)")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_of_one_customer_month_never_fail_and_leave_no_drift():
    """Issue 18: the update trigger deleted then inserted the key, so a second transaction updating orders of the
    same customer-month raised a unique violation. Now: upserts, and the sums stay exact."""
    customer = CustomerFactory(code="R1")
    mine = [OrderFactory(customer=customer, order_date=D(2025, 5, 1 + i), amount=Decimal("10.00"),
                         cost=Decimal("1.00")) for i in range(WRITERS)]

    def work(i: int, n: int) -> None:
        # Every writer touches May of R1 each round: an update, an insert, now and then a delete and a cancel.
        Order.objects.filter(pk=mine[i].pk).update(amount=F("amount") + 1, order_date=D(2025, 5, 1 + (i + n) % 28))
        OrderFactory(customer=customer, order_no=f"R1-{i}-{n}", order_date=D(2025, 5, 10 + i), amount=Decimal("2.50"))
        _pause()
        if n % 5 == 4:
            Order.objects.filter(order_no=f"R1-{i}-{n - 1}").delete()
        if n % 7 == 6:
            Order.objects.filter(order_no=f"R1-{i}-{n - 2}").update(status=Order.Status.CANCELLED)

    errors = _race(work)
    assert errors == [], "\n".join(errors)
    call_command("rollup", "--check")  # exits 1 on any drift
    assert rollup_drift() == 0
    row = CustomerMonth.objects.get(customer=customer, month=D(2025, 5, 1))
    live = Order.objects.filter(customer=customer).exclude(status=Order.Status.CANCELLED)
    assert (row.sales, row.orders) == (sum(o.amount for o in live), live.count())
