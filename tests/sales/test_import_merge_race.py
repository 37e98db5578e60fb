"""Imports racing a merge of the same customers (issue 18 item 7), on PostgreSQL with real concurrent connections.

The merge locked its customers FOR UPDATE and moved their orders; an import inserting orders of the same customers
took key-share locks through the foreign keys, in file order: one of them died in a deadlock. Now both lock the
customers first, in id order (sales.imports.locks), and an import whose customer was merged away meanwhile plans
again. Every round: one thread merges B into A while others import sales and payments of A and B; nothing fails,
no row is lost, every order of B ends up on A, and the rollup has no drift.
"""

import datetime as dt
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from customers.models import Customer
from customers.services_admin.merge import customers_merge
from sales.imports import import_file
from sales.models import Order, Payment
from sales.rollup import rollup_drift
from tests.factories import CustomerFactory, OrderFactory, UserFactory

ROUNDS, IMPORTERS = 12, 3


def _files(folder: Path, round_no: int, a: str, b: str) -> dict[int, tuple[str, Path]]:
    """Per importer thread a file naming both customers (both orders of the customer ids in file order and the
    reverse), alternating sales and payments."""
    files = {}
    for i in range(IMPORTERS):
        codes = (a, b) if i % 2 else (b, a)
        path = folder / f"r{round_no}-{i}.csv"
        if i == 2:
            lines = [f"P{round_no}-{i}-{n},{code},2025-06-{10 + n:02d},{5 + n}.00" for n, code in enumerate(codes * 3)]
            path.write_text("payment_no,customer_code,date,amount\n" + "\n".join(lines) + "\n")
            files[i] = ("payments", path)
        else:
            lines = [f"S{round_no}-{i}-{n},2025-{5 + n % 2:02d}-{10 + n:02d},{code},{10 + n}.00"
                     for n, code in enumerate(codes * 4)]
            path.write_text("order_no,order_date,customer_code,amount\n" + "\n".join(lines) + "\n")
            files[i] = ("sales", path)
    return files


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_imports_racing_a_merge_of_the_same_customers_never_fail_nor_lose_rows(tmp_path):
    assert connection.vendor == "postgresql"
    admin = UserFactory(username="merger", role="admin")
    errors: list[str] = []
    reports: list[tuple[str, str]] = []
    expected_orders = expected_payments = 0
    for round_no in range(ROUNDS):
        a = CustomerFactory(code=f"A{round_no:03d}")
        b = CustomerFactory(code=f"B{round_no:03d}")
        for code_owner in (a, b):  # stored orders the merge must move, in the months the imports write
            OrderFactory(customer=code_owner, order_no=f"old-{code_owner.code}", order_date=dt.date(2025, 5, 3),
                         amount=Decimal("7.00"))
        expected_orders += 2
        files = _files(tmp_path, round_no, a.code, b.code)
        barrier = threading.Barrier(IMPORTERS + 1)

        def importer(i: int, files: dict = files, barrier: threading.Barrier = barrier) -> None:
            kind, path = files[i]
            try:
                barrier.wait(timeout=60)
                report = import_file(kind=kind, path=path, name=path.name)
                reports.append((report.status, "; ".join([report.failure, *report.error_lines()[:3]])))
            except Exception as exc:  # noqa: BLE001 - collected and asserted
                errors.append(f"import {i}: {type(exc).__name__}: {exc}")
            finally:
                connection.close()

        def merger(a: Customer = a, b: Customer = b, barrier: threading.Barrier = barrier,
                   lag: float = 0.03 * (round_no % 3)) -> None:
            try:
                barrier.wait(timeout=60)
                time.sleep(lag)  # some rounds the merge comes first, some the imports lock first, some they overlap
                customers_merge(survivor=Customer.objects.get(pk=a.pk), merged=Customer.objects.get(pk=b.pk),
                                by=admin, reason="race test")
            except Exception as exc:  # noqa: BLE001 - collected and asserted
                errors.append(f"merge: {type(exc).__name__}: {exc}")
            finally:
                connection.close()

        threads = [threading.Thread(target=importer, args=(i,)) for i in range(IMPORTERS)]
        threads.append(threading.Thread(target=merger))
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        expected_orders += 16  # two sales files of 8 orders each
        expected_payments += 6
        assert errors == [], "\n".join(errors)
        assert not Customer.objects.filter(code=b.code).exists()
        # Every order and payment of the round sits on the survivor, whichever side won the race.
        assert Order.objects.filter(order_no__startswith=f"S{round_no}-").exclude(customer=a).count() == 0
        assert Payment.objects.filter(payment_no__startswith=f"P{round_no}-").exclude(customer=a).count() == 0
    assert [r for r in reports if r[0] != "done"] == []
    assert (Order.objects.count(), Payment.objects.count()) == (expected_orders, expected_payments)
    call_command("rollup", "--check")  # exits 1 on any drift
    assert rollup_drift() == 0
