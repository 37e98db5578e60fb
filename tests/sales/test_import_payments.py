"""import_payments (docs/analytics.md §2, docs/imports.md §4.3): upserted by payment_no, positive amounts, known
customers only."""

import datetime as dt
from decimal import Decimal

import pytest

from customers.models import CustomerAlias
from sales.models import Payment

pytestmark = pytest.mark.django_db

H = ["payment_no", "customer_code", "date", "amount"]
ZH = ["收款单号", "客户编码", "收款日期", "金额"]


def test_payments_upsert(csv_file, run_import, book):
    path = csv_file("pay.csv", ZH, [["P001", "00101", "2025-01-31", "500"], ["P002", "00102", "2025/02/01", "20.5"]])
    report = run_import("payments", path)
    assert (report.status, report.created, report.periods) == ("done", 2, ["2025-01", "2025-02"])
    assert sorted(Payment.objects.values_list("payment_no", "customer__code", "date", "amount")) == [
        ("P001", "00101", dt.date(2025, 1, 31), Decimal("500.00")),
        ("P002", "00102", dt.date(2025, 2, 1), Decimal("20.50")),
    ]
    again = run_import("payments", path)
    assert (again.created, again.updated, again.unchanged, again.periods) == (0, 0, 2, [])
    changed = csv_file("pay.csv", H, [["P001", "00101", "2025-03-01", "400"]])
    report = run_import("payments", changed)
    assert (report.updated, report.periods) == (1, ["2025-01", "2025-03"])
    assert Payment.objects.get(payment_no="P001").amount == Decimal("400.00")


def test_alias_code(csv_file, run_import, book):
    CustomerAlias.objects.create(code="OLD", customer=book["c3"])
    run_import("payments", csv_file("pay.csv", H, [["P1", "OLD", "2025-01-01", "1"]]))
    assert Payment.objects.get().customer == book["c3"]


@pytest.mark.parametrize(("row", "field", "problem"), [
    (["P9", "NOPE", "2025-01-01", "10"], "customer_code", 'unknown customer "NOPE"'),
    (["P9", "00101", "2025-01-01", "-5"], "amount", 'must be greater than 0: "-5"'),
    (["P9", "00101", "2025-01-01", "0"], "amount", 'must be greater than 0: "0"'),
    (["P9", "00101", "2025-01-01", "NaN"], "amount", 'not a number: "NaN"'),
    (["P9", "00101", "01/02/2025", "1"], "date", 'not a date: "01/02/2025" (use YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD)'),
    (["", "00101", "2025-01-01", "1"], "payment_no", "required value missing"),
    (["P1", "00101", "2025-01-01", "1"], "payment_no", 'payment "P1" appears twice (first on row 2)'),
])
def test_bad_payment_rows(csv_file, run_import, book, row, field, problem):
    report = run_import("payments", csv_file("pay.csv", H, [["P1", "00101", "2025-01-01", "1"], row]))
    assert report.error_lines() == [f"pay.csv:3: {field}: {problem}"]
    assert not Payment.objects.exists()
