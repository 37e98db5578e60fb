"""Readers and parsing (docs/imports.md §1-§3): encodings, XLSX, Chinese headers, spreadsheet dates, codes as text."""

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest

from sales.imports.parsing import CellError, parse_amount, parse_date, parse_status
from sales.imports.readers import read_table
from sales.models import Order
from tests.sales.helpers import write_csv, write_xlsx

ZH = ["订单号", "单据日期", "客户编码", "客户名称", "金额", "数量", "单价", "成本", "地区", "业务员", "电话",
      "商品编码", "商品名称", "类别", "状态"]
ROW = ["SO1", "2025-01-05", "00123", "天河店", "100", "2", "50", "60", "广东/广州", "王五", "13800138000", "001",
       "可乐", "饮料/碳酸饮料", "已审核"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_with_chinese_headers(tmp_path, run_import, db, encoding):
    path = write_csv(tmp_path / "sales.csv", ZH, [ROW], encoding=encoding)
    report = run_import("sales", path)
    assert report.status == "done", report.error_lines()
    order = Order.objects.select_related("customer").get()
    assert (order.order_no, order.customer.code, order.customer.name, order.amount) == ("SO1", "00123", "天河店",
                                                                                        Decimal("100.00"))


def test_xlsx_first_sheet_with_date_cells_serials_and_text_codes(tmp_path, run_import, db):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(ZH)
    sheet.append(["SO1", dt.datetime(2025, 1, 5), "00123", "天河店", 100, 2, 50, 60.5, "", "", "", "001", "", "", ""])
    sheet.append(["SO2", 45663, "00124", "越秀店", 12.5, 1, 12.5, 0, "", "", "", "", "", "", "已作废"])
    sheet.append([None] * len(ZH))  # a blank row is skipped, not an error
    sheet.append(["SO3", "2025/01/07", "00124", "", -3, -1, 3, 1, "", "", "", "", "", "", ""])
    workbook.create_sheet("other").append(["ignored"])
    workbook.save(tmp_path / "sales.xlsx")
    report = run_import("sales", tmp_path / "sales.xlsx")
    assert report.status == "done", report.error_lines()
    got = Order.objects.values_list("order_no", "customer__code", "order_date", "amount", "cost", "status")
    assert sorted(got) == [
        ("SO1", "00123", dt.date(2025, 1, 5), Decimal("100.00"), Decimal("60.50"), "confirmed"),
        ("SO2", "00124", dt.date(2025, 1, 6), Decimal("12.50"), Decimal("0.00"), "cancelled"),
        ("SO3", "00124", dt.date(2025, 1, 7), Decimal("-3.00"), Decimal("-1.00"), "confirmed"),
    ]


def test_xlsx_errors_use_spreadsheet_row_numbers(tmp_path, run_import, db):
    path = write_xlsx(tmp_path / "s.xlsx", ["order_no", "order_date", "customer_code", "amount"],
                      [["1", "2025-01-01", "c", "1"], [None, None, None, None], ["2", "bad", "c", "1"]])
    assert run_import("sales", path).error_lines() == [
        's.xlsx:4: order_date: not a date: "bad" (use YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD)']


def test_unreadable_files(tmp_path, run_import, db):
    (tmp_path / "empty.csv").write_bytes(b"")
    assert run_import("sales", tmp_path / "empty.csv").error_lines() == [
        "empty.csv:1: file: the file is empty: no header row"]
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    assert run_import("sales", tmp_path / "old.xls").error_lines() == [
        "old.xls:1: file: Excel 97-2003 (.xls) files are not supported: save as .xlsx or CSV"]
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04garbage")
    assert run_import("sales", tmp_path / "broken.xlsx").status == "invalid"


def test_tab_separated_text(tmp_path):
    table = read_table(b"order_no\tamount\n00123\t5\n")
    assert (table.header, table.rows, table.numbers) == (["order_no", "amount"], [["00123", "5"]], [2])


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-01-05", dt.date(2025, 1, 5)), ("2025/1/5", dt.date(2025, 1, 5)), ("20250105", dt.date(2025, 1, 5)),
    ("2025-01-05 13:45:00", dt.date(2025, 1, 5)), ("2025年1月5日", dt.date(2025, 1, 5)),
    ("45662", dt.date(2025, 1, 5)), ("45662.5", dt.date(2025, 1, 5)),
])
def test_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2025-02-30", "05/01/2025", "tomorrow", "2025013", "12"])
def test_bad_dates(text):
    with pytest.raises(CellError, match="not a date"):
        parse_date(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("12", Decimal("12.00")), ("-0.5", Decimal("-0.50")), ("1,234.50", Decimal("1234.50")),
    ("12.500", Decimal("12.50")), ("999999999999.99", Decimal("999999999999.99")), ("+3", Decimal("3.00")),
])
def test_amounts(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize(("text", "status"), [
    ("", "confirmed"), ("confirmed", "confirmed"), ("已审核", "confirmed"), ("已确认", "confirmed"),
    ("CANCELLED", "cancelled"), ("已作废", "cancelled"), ("已取消", "cancelled"),
])
def test_statuses(text, status):
    assert parse_status(text) == status
