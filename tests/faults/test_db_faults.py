"""PostgreSQL faults: the connection dropped mid-import writes nothing; two beats firing at once make one snapshot."""

import datetime as dt
import threading
from decimal import Decimal

import psycopg
import pytest
from django.db import connection, connections

from analytics.models import CustomerSnapshot, PeriodSummary, SnapshotRun
from analytics.tasks import close_last_month
from sales import bulk
from sales.imports.service import import_file
from sales.models import ImportBatch, Order, OrderLine
from tests.conftest import database_url_for_subprocess
from tests.factories import CustomerFactory, OrderFactory


def write_ledger(path, orders: int) -> None:
    lines = ["order_no,order_date,customer_code,amount,sku,quantity"]
    for i in range(orders):
        for line in range(2):
            lines.append(f"SO{i:06d},2025-03-{1 + i % 28:02d},C{i % 50:03d},{10 + line}.50,SKU{line},1")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_connection_dropped_mid_import_writes_nothing(tmp_path, monkeypatch):
    ledger = tmp_path / "ledger.csv"
    write_ledger(ledger, 3000)
    real = bulk.bulk_insert_columns
    calls = []

    def insert_then_drop(model, columns):
        count = real(model, columns)
        calls.append(model.__name__)
        if model is Order:  # the orders are in; kill our own backend before the lines go
            killer = psycopg.connect(database_url_for_subprocess(), autocommit=True)
            with killer.cursor() as cur:
                cur.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
            killer.close()
        return count

    monkeypatch.setattr("sales.imports.sales_write.bulk_insert_columns", insert_then_drop)
    with pytest.raises(Exception):  # noqa: B017 - whichever error the dead connection raises first
        import_file(kind="sales", path=ledger, name="ledger.csv", user=None, dry_run=False)
    assert "Order" in calls
    connections.close_all()
    assert (Order.objects.count(), OrderLine.objects.count()) == (0, 0)
    monkeypatch.setattr("sales.imports.sales_write.bulk_insert_columns", real)
    report = import_file(kind="sales", path=ledger, name="ledger.csv", user=None, dry_run=False)
    assert (report.created, Order.objects.count(), OrderLine.objects.count()) == (3000, 3000, 6000)
    assert ImportBatch.objects.filter(status="done").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_beats_firing_at_once_make_one_snapshot(monkeypatch):
    monkeypatch.setattr("analytics.tasks.last_closed_period", lambda: dt.date(2025, 3, 1))
    for code in ("A", "B", "C"):
        OrderFactory(customer=CustomerFactory(code=code, first_seen=dt.date(2025, 1, 1)),
                     order_date=dt.date(2025, 3, 3), amount=Decimal("100.00"))
    errors: list[BaseException] = []

    def beat() -> None:
        try:
            close_last_month()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert CustomerSnapshot.objects.filter(period=dt.date(2025, 3, 1)).count() == 3
    assert PeriodSummary.objects.count() == 1
    assert list(SnapshotRun.objects.values_list("status", flat=True)) == ["done", "done"]
