"""import_sales (docs/imports.md §4.1): grouping into orders, returns, idempotency, replacement, first sight, every row
error."""

import datetime as dt
from decimal import Decimal

import pytest

from customers.models import Customer, CustomerAlias, Region, Salesperson
from sales.models import Category, ImportBatch, Order, OrderLine, Product
from tests.factories import CustomerFactory, OrderFactory
from tests.sales.helpers import SALES_HEADER

pytestmark = pytest.mark.django_db

H = SALES_HEADER


def line(no="SO1", date="2025-01-05", code="00123", name="天河店", amount="100.00", qty="2", price="50", cost="60",
         region="广东/广州", sp="王五", phone="13800138000", sku="001", product="可乐", category="饮料/碳酸饮料",
         status="confirmed"):
    return [no, date, code, name, amount, qty, price, cost, region, sp, phone, sku, product, category, status]


LEDGER = [
    line(),
    line(amount="50.50", qty="1", price="50.5", cost="30", sku="002", product="雪碧"),
    line(no="SO2", date="2025-02-01", amount="-20", qty="-1", price="20", cost="10", sku="001"),
    line(no="SO3", date="2024-12-20", code="00124", name="越秀店", sp="赵六", region="广东", phone="", status="已作废"),
]


def orders_table():
    return sorted(
        Order.objects.values_list("order_no", "customer__code", "salesperson__name", "order_date", "status",
                                  "amount", "cost")
    )


def lines_table():
    return sorted(
        OrderLine.objects.values_list("order__order_no", "line_no", "product__sku", "quantity", "unit_price", "amount",
                                      "cost")
    )


def test_lines_become_orders_with_totals_and_returns(csv_file, run_import):
    report = run_import("sales", csv_file("sales.csv", H, LEDGER))
    assert report.status == "done", report.error_lines()
    assert (report.rows, report.created, report.updated, report.unchanged) == (4, 3, 0, 0)
    assert report.periods == ["2024-12", "2025-01", "2025-02"]
    assert orders_table() == [
        ("SO1", "00123", "王五", dt.date(2025, 1, 5), "confirmed", Decimal("150.50"), Decimal("90.00")),
        ("SO2", "00123", "王五", dt.date(2025, 2, 1), "confirmed", Decimal("-20.00"), Decimal("-10.00")),
        ("SO3", "00124", "赵六", dt.date(2024, 12, 20), "cancelled", Decimal("100.00"), Decimal("60.00")),
    ]
    assert lines_table() == [
        ("SO1", 1, "001", Decimal("2.000"), Decimal("50.0000"), Decimal("100.00"), Decimal("60.00")),
        ("SO1", 2, "002", Decimal("1.000"), Decimal("50.5000"), Decimal("50.50"), Decimal("30.00")),
        ("SO2", 1, "001", Decimal("-1.000"), Decimal("20.0000"), Decimal("-20.00"), Decimal("-10.00")),
        ("SO3", 1, "001", Decimal("2.000"), Decimal("50.0000"), Decimal("100.00"), Decimal("60.00")),
    ]
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert (batch.kind, batch.file_name, batch.status) == ("sales", "sales.csv", "done")
    assert (batch.rows, batch.created, batch.updated, batch.unchanged) == (4, 3, 0, 0)
    assert batch.periods == ["2024-12", "2025-01", "2025-02"] and len(batch.sha256) == 64
    assert set(Order.objects.values_list("import_batch_id", flat=True)) == {batch.id}


def test_customers_products_categories_regions_salespeople_created_on_first_sight(csv_file, run_import):
    run_import("sales", csv_file("sales.csv", H, LEDGER))
    c1 = Customer.objects.get(code="00123")
    assert (c1.name, c1.region.path, c1.owner.name, c1.mobile, c1.first_seen) == (
        "天河店", "广东/广州", "王五", "+8613800138000", dt.date(2025, 1, 5))
    c2 = Customer.objects.get(code="00124")
    # first seen on its earliest order of any status (SO3 is cancelled), owned by that order's salesperson
    assert (c2.first_seen, c2.owner.name, c2.region.path) == (dt.date(2024, 12, 20), "赵六", "广东")
    assert sorted(Region.objects.values_list("path", flat=True)) == ["广东", "广东/广州"]
    assert sorted(Category.objects.values_list("path", flat=True)) == ["饮料", "饮料/碳酸饮料"]
    assert Category.objects.get(path="饮料/碳酸饮料").parent.path == "饮料"
    assert sorted(Product.objects.values_list("sku", "name", "category__path")) == [
        ("001", "可乐", "饮料/碳酸饮料"), ("002", "雪碧", "饮料/碳酸饮料")]
    assert sorted(Salesperson.objects.values_list("name", flat=True)) == ["王五", "赵六"]


def test_existing_customer_not_overwritten_but_first_seen_lowered(csv_file, run_import, book):
    c1 = book["c1"]  # 00101 天河便利店, first seen 2024-01-01
    rows = [line(code="00101", name="别的名字", date="2023-06-30", region="北京", sp="新人", phone="13900139000")]
    run_import("sales", csv_file("sales.csv", H, rows))
    c1.refresh_from_db()
    assert (c1.name, c1.region.path, c1.owner.name, c1.first_seen) == ("天河便利店", "广东/广州", "张三",
                                                                       dt.date(2023, 6, 30))
    run_import("sales", csv_file("later.csv", H, [line(no="SO9", code="00101", date="2025-01-01")]))
    c1.refresh_from_db()
    assert c1.first_seen == dt.date(2023, 6, 30)


def test_reimport_changes_nothing(csv_file, run_import):
    path = csv_file("sales.csv", H, LEDGER)
    run_import("sales", path)
    before_orders, before_lines = orders_table(), list(OrderLine.objects.order_by("id").values_list("id", "amount"))
    again = run_import("sales", path)
    assert (again.status, again.created, again.updated, again.unchanged, again.periods) == ("done", 0, 0, 3, [])
    assert orders_table() == before_orders
    assert list(OrderLine.objects.order_by("id").values_list("id", "amount")) == before_lines
    assert Customer.objects.count() == 2 and Product.objects.count() == 2


def test_changed_order_is_replaced_and_counted_updated(csv_file, run_import):
    run_import("sales", csv_file("sales.csv", H, LEDGER))
    so1 = Order.objects.get(order_no="SO1")
    changed = [line(date="2025-03-02", amount="80", qty="1", price="80", cost="50"), *LEDGER[2:]]
    report = run_import("sales", csv_file("sales2.csv", H, changed))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert report.periods == ["2025-01", "2025-03"]  # the month it left and the month it moved to
    so1_after = Order.objects.get(order_no="SO1")
    assert so1_after.id == so1.id
    assert (so1_after.order_date, so1_after.amount, so1_after.cost) == (dt.date(2025, 3, 2), Decimal("80.00"),
                                                                         Decimal("50.00"))
    assert list(so1_after.lines.values_list("line_no", "amount")) == [(1, Decimal("80.00"))]


def test_status_change_replaces_order(csv_file, run_import):
    run_import("sales", csv_file("sales.csv", H, [line()]))
    report = run_import("sales", csv_file("sales.csv", H, [line(status="已取消")]))
    assert (report.updated, Order.objects.get().status) == (1, "cancelled")


def test_alias_code_lands_on_survivor(csv_file, run_import):
    survivor = CustomerFactory(code="00777")
    CustomerAlias.objects.create(code="00123", customer=survivor)
    run_import("sales", csv_file("sales.csv", H, [line()]))
    assert Order.objects.get().customer == survivor
    assert not Customer.objects.filter(code="00123").exists()


def test_codes_keep_leading_zeros_and_minimal_columns(csv_file, run_import):
    path = csv_file("s.csv", ["order_no", "order_date", "customer_code", "amount"], [["0001", "20250105", "000", "5"]])
    assert run_import("sales", path).status == "done"
    order = Order.objects.get()
    assert (order.order_no, order.customer.code, order.customer.name, order.amount) == ("0001", "000", "000",
                                                                                        Decimal("5.00"))


def test_dry_run_reports_and_writes_nothing(csv_file, run_import):
    report = run_import("sales", csv_file("sales.csv", H, LEDGER), dry_run=True)
    assert (report.status, report.dry_run, report.created) == ("done", True, 3)
    assert report.details == {"customers created": 2, "products created": 2}
    assert not Order.objects.exists() and not Customer.objects.exists() and not Product.objects.exists()
    batch = ImportBatch.objects.get()
    assert (batch.dry_run, batch.status, batch.created) == (True, "done", 3)


def test_existing_order_of_other_source_is_replaced_by_file(csv_file, run_import, book):
    OrderFactory(order_no="SO1", customer=book["c1"], amount=Decimal("1.00"))
    report = run_import("sales", csv_file("sales.csv", H, [line(code="00101")]))
    assert (report.updated, Order.objects.get().amount, OrderLine.objects.count()) == (1, Decimal("100.00"), 1)


BAD_CELLS = [
    ({"date": "2025-13-01"}, "order_date", 'not a date: "2025-13-01" (use YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD)'),
    ({"date": ""}, "order_date", "required value missing"),
    ({"no": ""}, "order_no", "required value missing"),
    ({"code": ""}, "customer_code", "required value missing"),
    ({"amount": ""}, "amount", "required value missing"),
    ({"status": "draft"}, "status", 'unknown status "draft" (use confirmed or cancelled)'),
    ({"amount": "abc"}, "amount", 'not a number: "abc"'),
    ({"amount": "NaN"}, "amount", 'not a number: "NaN"'),
    ({"amount": "Infinity"}, "amount", 'not a finite number: "Infinity"'),
    ({"amount": "-inf"}, "amount", 'not a finite number: "-inf"'),
    ({"amount": "1e3"}, "amount", 'not a number: "1e3" (write it without an exponent)'),
    ({"amount": "1.234"}, "amount", 'more than 2 decimal places: "1.234"'),
    ({"amount": "1234567890123"}, "amount", 'more than 12 digits before the decimal point: "1234567890123"'),
    ({"cost": "x"}, "cost", 'not a number: "x"'),
    ({"qty": "1.2345"}, "quantity", 'more than 3 decimal places: "1.2345"'),
    ({"qty": "-2"}, "quantity", "quantity -2 and amount 100.00 have different signs"),
    ({"qty": "3", "amount": "-5"}, "quantity", "quantity 3 and amount -5.00 have different signs"),
    ({"phone": "02012345678"}, "phone", 'not a valid Chinese mobile number: "02012345678"'),
    ({"phone": "1380013800"}, "phone", 'not a valid Chinese mobile number: "1380013800"'),
    ({"no": "X" * 65}, "order_no", "longer than 64 characters"),
    ({"code": "9" * 33}, "customer_code", "longer than 32 characters"),
]


@pytest.mark.parametrize(("cells", "field", "problem"), BAD_CELLS)
def test_bad_cell_is_reported_and_nothing_written(csv_file, run_import, cells, field, problem):
    report = run_import("sales", csv_file("sales.csv", H, [line(no="OK1"), line(**cells)]))
    assert report.status == "invalid"
    assert report.error_lines() == [f"sales.csv:3: {field}: {problem}"]
    assert not Order.objects.exists() and not Customer.objects.exists()
    assert ImportBatch.objects.get().status == "invalid"


@pytest.mark.parametrize(("other", "field", "problem"), [
    ({"code": "00999"}, "customer_code", 'order SO1 already has customer_code "00123" (row 2)'),
    ({"date": "2025/01/06"}, "order_date", 'order SO1 already has order_date "2025-01-05" (row 2)'),
    ({"status": "cancelled"}, "status", 'order SO1 already has status "confirmed" (row 2)'),
    ({"sp": "别人"}, "salesperson", 'order SO1 already has salesperson "王五" (row 2)'),
])
def test_lines_of_one_order_must_agree(csv_file, run_import, other, field, problem):
    report = run_import("sales", csv_file("sales.csv", H, [line(), line(sku="002", **other)]))
    assert report.error_lines() == [f"sales.csv:3: {field}: {problem}"]
    assert not Order.objects.exists()


def test_same_date_written_two_ways_is_one_date(csv_file, run_import):
    report = run_import("sales", csv_file("sales.csv", H, [line(date="2025-01-05"), line(date="20250105", sku="2")]))
    assert report.status == "done" and Order.objects.get().lines.count() == 2


def test_missing_required_columns(csv_file, run_import):
    report = run_import("sales", csv_file("sales.csv", ["order_no", "order_date", "customer_code"], [["1", "2", "3"]]))
    assert report.error_lines() == ["sales.csv:1: amount: required column missing"]


def test_column_given_twice(csv_file, run_import):
    path = csv_file("sales.csv", ["order_no", "order_date", "customer_code", "amount", "金额"], [["1", "2025-01-01",
                                                                                                   "3", "4", "4"]])
    assert run_import("sales", path).error_lines() == ['sales.csv:1: amount: column given twice ("amount" and "金额")']


def test_last_row_bad_writes_nothing(csv_file, run_import):
    rows = [line(no=f"SO{i}") for i in range(50)] + [line(no="LAST", amount="oops")]
    report = run_import("sales", csv_file("sales.csv", H, rows))
    assert report.error_lines() == ['sales.csv:52: amount: not a number: "oops"']
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0 and Customer.objects.count() == 0


def test_error_list_capped_at_100(csv_file, run_import):
    rows = [line(no=f"SO{i}", amount="bad") for i in range(150)]
    report = run_import("sales", csv_file("sales.csv", H, rows))
    lines = report.error_lines()
    assert len(lines) == 101 and report.error_count == 150
    assert lines[0] == 'sales.csv:2: amount: not a number: "bad"'
    assert lines[99] == 'sales.csv:101: amount: not a number: "bad"'
    assert lines[100] == "... and 50 more"


def test_database_error_mid_write_rolls_back(csv_file, run_import, monkeypatch):
    from django.db import IntegrityError

    from sales.imports import sales_write

    def broken(*args, **kwargs):
        raise IntegrityError("simulated failure")

    monkeypatch.setattr(sales_write, "_replace_orders", broken)
    report = run_import("sales", csv_file("sales.csv", H, LEDGER))
    assert report.status == "failed" and "simulated failure" in report.failure
    assert not Order.objects.exists() and not Customer.objects.exists() and not Product.objects.exists()
    assert ImportBatch.objects.get().status == "failed"
