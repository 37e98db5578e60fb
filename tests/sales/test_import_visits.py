"""import_visits (docs/imports.md §4.4): visit_no or the whole row as key; last_visit_date follows the latest visit."""

import datetime as dt

import pytest

from customers.models import Customer, Visit

pytestmark = pytest.mark.django_db

H = ["customer_code", "date", "salesperson", "kind", "note", "next_date"]
ZH = ["客户编码", "拜访日期", "业务员", "方式", "备注", "下次跟进"]


def test_visits_by_row_key_are_idempotent(csv_file, run_import, book, admin_user):
    rows = [["00101", "2025-03-01", "张三", "上门", "谈了新品", "2025-03-15"],
            ["00101", "2025-03-05", "张三", "电话", "", ""],
            ["00102", "2025-02-01", "", "微信", "发了价目表", ""]]
    path = csv_file("visits.csv", ZH, rows)
    report = run_import("visits", path, user=admin_user)
    assert (report.status, report.created, report.periods) == ("done", 3, ["2025-02", "2025-03"])
    assert sorted(Visit.objects.values_list("customer__code", "date", "kind", "salesperson__name", "next_date")) == [
        ("00101", dt.date(2025, 3, 1), "onsite", "张三", dt.date(2025, 3, 15)),
        ("00101", dt.date(2025, 3, 5), "phone", "张三", None),
        ("00102", dt.date(2025, 2, 1), "message", None, None),
    ]
    assert Customer.objects.get(code="00101").last_visit_date == dt.date(2025, 3, 5)
    assert set(Visit.objects.values_list("logged_by", flat=True)) == {admin_user.id}  # the importing user
    # History from another system keeps its blank outcomes (the form and the API require one): not a bad row
    assert Visit.objects.get(date=dt.date(2025, 3, 5)).note == ""
    again = run_import("visits", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Visit.objects.count() == 3


def test_visit_no_is_the_key_and_last_visit_follows_the_visits(csv_file, run_import, book):
    h = ["visit_no", *H]
    run_import("visits", csv_file("v.csv", h, [["V1", "00101", "2025-03-01", "张三", "onsite", "a", ""]]))
    report = run_import("visits", csv_file("v.csv", h, [["V1", "00101", "2025-01-01", "张三", "phone", "b", ""]]))
    assert (report.created, report.updated) == (0, 1)
    visit = Visit.objects.get()
    assert (visit.visit_no, visit.date, visit.kind, visit.note) == ("V1", dt.date(2025, 1, 1), "phone", "b")
    # Derived from the visits (issue 17 item 7): the corrected date moves it back; it once stayed at 2025-03-01.
    assert Customer.objects.get(code="00101").last_visit_date == dt.date(2025, 1, 1)


@pytest.mark.parametrize(("row", "field", "problem"), [
    (["NOPE", "2025-03-01", "", "", "", ""], "customer_code", 'unknown customer "NOPE"'),
    (["00101", "2025-03-01", "", "fax", "", ""], "kind", 'unknown visit kind "fax" (use onsite, phone or message)'),
    (["00101", "", "", "", "", ""], "date", "required value missing"),
    (["00101", "2025-03-01", "", "", "", "2025-02-01"], "next_date",
     "next follow-up 2025-02-01 is before the visit date"),
])
def test_bad_visit_rows(csv_file, run_import, book, row, field, problem):
    report = run_import("visits", csv_file("v.csv", H, [["00101", "2025-03-02", "", "", "", ""], row]))
    assert report.error_lines() == [f"v.csv:3: {field}: {problem}"]
    assert not Visit.objects.exists()
