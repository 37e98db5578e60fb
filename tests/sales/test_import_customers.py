"""import_customers (docs/imports.md §4.2): the master data, upserted by code; owner changes kept as history."""

import datetime as dt

import pytest

from customers.models import Customer, CustomerAlias, OwnershipChange
from sales.models import ImportBatch

pytestmark = pytest.mark.django_db

H = ["code", "name", "region", "salesperson", "contact", "phone", "address", "tags", "first_seen", "credit_days",
     "birthday", "sms_opt_out"]
ZH = ["客户编码", "客户名称", "地区", "业务员", "联系人", "手机", "地址", "标签", "首次日期", "账期", "生日", "退订"]
ROW = ["00301", "新店", "广东/深圳", "张三", "陈老板", "138-0013-8000", "深南大道1号", "批发,夜宵", "2024/03/01", "30",
       "19800512", "是"]


def test_new_customer_with_every_field_from_chinese_headers(csv_file, run_import, book):
    report = run_import("customers", csv_file("customers.csv", ZH, [ROW]))
    assert (report.status, report.created, report.updated, report.unchanged) == ("done", 1, 0, 0)
    c = Customer.objects.get(code="00301")
    assert (c.name, c.region.path, c.owner.name, c.contact, c.mobile, c.address, c.tags) == (
        "新店", "广东/深圳", "张三", "陈老板", "+8613800138000", "深南大道1号", "批发,夜宵")
    assert (c.first_seen, c.credit_days, c.birthday) == (dt.date(2024, 3, 1), 30, dt.date(1980, 5, 12))
    assert c.sms_opt_out_at is not None


def test_upsert_changes_given_fields_and_records_owner_change(csv_file, run_import, book, admin_user):
    rows = [["00101", "", "", "李四", "", "13900139000", "", "", "", "15", "", "false"]]
    report = run_import("customers", csv_file("customers.csv", H, rows), user=admin_user)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    c1 = Customer.objects.get(code="00101")
    # empty cells leave stored values alone
    assert (c1.name, c1.region.path, c1.owner.name, c1.mobile, c1.credit_days) == (
        "天河便利店", "广东/广州", "李四", "+8613900139000", 15)
    change = OwnershipChange.objects.get(customer=c1)
    assert (change.from_salesperson.name, change.to_salesperson.name, change.changed_by) == ("张三", "李四", admin_user)
    again = run_import("customers", csv_file("customers.csv", H, rows), user=admin_user)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert OwnershipChange.objects.count() == 1


def test_sms_opt_out_sets_and_clears_time(csv_file, run_import, book):
    run_import("customers", csv_file("c.csv", ["code", "sms_opt_out"], [["00101", "1"]]))
    first = Customer.objects.get(code="00101").sms_opt_out_at
    assert first is not None
    report = run_import("customers", csv_file("c.csv", ["code", "sms_opt_out"], [["00101", "是"]]))
    assert report.unchanged == 1 and Customer.objects.get(code="00101").sms_opt_out_at == first
    run_import("customers", csv_file("c.csv", ["code", "sms_opt_out"], [["00101", "否"]]))
    assert Customer.objects.get(code="00101").sms_opt_out_at is None


def test_alias_code_updates_survivor(csv_file, run_import, book):
    CustomerAlias.objects.create(code="OLD1", customer=book["c1"])
    run_import("customers", csv_file("c.csv", ["code", "contact"], [["OLD1", "王经理"]]))
    assert Customer.objects.get(code="00101").contact == "王经理"
    assert not Customer.objects.filter(code="OLD1").exists()


@pytest.mark.parametrize(("cells", "field", "problem"), [
    ({"phone": "02012345678"}, "phone", 'not a valid Chinese mobile number: "02012345678"'),
    ({"credit_days": "-3"}, "credit_days", 'not a whole number of days >= 0: "-3"'),
    ({"credit_days": "1.5"}, "credit_days", 'not a whole number of days >= 0: "1.5"'),
    ({"sms_opt_out": "maybe"}, "sms_opt_out", 'not a yes/no value: "maybe" (use true/false, 是/否 or 1/0)'),
    ({"birthday": "1980-02-30"}, "birthday", 'not a date: "1980-02-30" (use YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD)'),
    ({"code": ""}, "code", "required value missing"),
    ({"name": ""}, "name", "required for a new customer"),
])
def test_bad_customer_rows(csv_file, run_import, cells, field, problem):
    row = dict(zip(H, ROW, strict=True)) | cells
    report = run_import("customers", csv_file("c.csv", H, [["00300", "x", *ROW[2:]], list(row.values())]))
    assert report.error_lines() == [f"c.csv:3: {field}: {problem}"]
    assert not Customer.objects.exists()
    assert ImportBatch.objects.get().status == "invalid"


def test_code_twice_in_one_file(csv_file, run_import):
    report = run_import("customers", csv_file("c.csv", ["code", "name"], [["001", "a"], ["001", "b"]]))
    assert report.error_lines() == ['c.csv:3: code: customer "001" appears twice (first on row 2)']


def test_missing_code_column(csv_file, run_import):
    report = run_import("customers", csv_file("c.csv", ["name"], [["a"]]))
    assert report.error_lines() == ["c.csv:1: code: required column missing"]


def test_shop_type_column_under_its_chinese_names_and_an_empty_cell_keeps_it(csv_file, run_import, book):
    run_import("customers", csv_file("c.csv", ["客户编码", "业态"], [["00101", "餐饮"]]))
    assert Customer.objects.get(code="00101").shop_type == "餐饮"
    report = run_import("customers", csv_file("c.csv", ["code", "店铺类型", "contact"], [["00101", "", "王经理"]]))
    assert report.updated == 1
    c = Customer.objects.get(code="00101")
    assert (c.shop_type, c.contact) == ("餐饮", "王经理")
    too_long = run_import("customers", csv_file("c.csv", ["code", "shop_type"], [["00101", "店" * 33]]))
    assert too_long.status == "invalid" and "shop_type" in str(too_long.errors)
    assert Customer.objects.get(code="00101").shop_type == "餐饮"
