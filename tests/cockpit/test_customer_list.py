"""The customer list: every filter, every sort, pagination, htmx partials, scoping and the exports."""

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from cockpit.columns import sort_fields
from customers.models import Region
from tests.cockpit.conftest import codes
from tests.factories import CustomerFactory

ALL = {"00101", "00102", "00201", "00202", "00203"}


@pytest.fixture
def manager(client, graded, manager_user):
    client.force_login(manager_user)
    return client


def get(client, **params):
    response = client.get("/customers/", params)
    assert response.status_code == 200
    return response


FILTERS = [
    ({}, ALL),
    ({"q": "天河"}, {"00101"}),
    ({"q": "00201"}, {"00201"}),
    ({"q": "138-0013-8001"}, {"00101"}),
    ({"q": "王经理"}, {"00101"}),
    ({"grade": "A"}, {"00102"}),
    ({"grade": ["A", "B"]}, {"00101", "00102", "00202"}),
    ({"lifecycle": "never"}, {"00202"}),
    ({"lifecycle": "active"}, {"00101", "00102", "00203"}),
    ({"lifecycle": "at_risk"}, {"00201"}),
    ({"lifecycle": "churned"}, set()),
    ({"flag": "is_new"}, {"00203"}),
    ({"flag": "sales_surge"}, {"00102"}),
    ({"flag": "sales_plunge"}, {"00101", "00201"}),
    ({"flag": ["sales_plunge", "is_new"]}, set()),
    ({"flag": "orders_surge"}, set()),
    ({"flag": "orders_plunge"}, set()),
    ({"previous_grade": "A"}, {"00101"}),
    ({"previous_grade": "none"}, {"00203"}),
    ({"computed_grade": "D"}, {"00201", "00202", "00203"}),
    ({"previous_grade": "B", "computed_grade": "D"}, {"00201"}),
    ({"movement": "up"}, {"00102"}),
    ({"movement": "down"}, {"00101", "00201"}),
    ({"movement": "same"}, {"00202"}),
    ({"override": "true"}, {"00202"}),
    ({"override": "false"}, ALL - {"00202"}),
    ({"segment": "Champions"}, {"00102"}),
    ({"segment": "Need attention"}, {"00201"}),
    ({"quadrant": "retain"}, {"00201"}),
    ({"action": "visit_this_week"}, {"00201"}),
    ({"action": "first_order_offer"}, {"00202"}),
    ({"orders_min": "1"}, {"00101", "00102", "00203"}),
    ({"orders_max": "0"}, {"00201", "00202"}),
    ({"sales_min": "100000"}, {"00102"}),
    ({"sales_max": "10000"}, {"00201", "00202", "00203"}),
    ({"mom_min": "0"}, {"00102"}),
    ({"mom_max": "-50"}, {"00101", "00201"}),
    ({"yoy_min": "100"}, {"00101"}),
    ({"yoy_max": "0"}, set()),
    ({"receivable_min": "1"}, {"00101"}),
    ({"overdue_min": "70000"}, {"00101"}),
    ({"last_order_from": "2025-03-01"}, {"00101", "00102", "00203"}),
    ({"last_order_to": "2025-02-28"}, {"00201"}),
    ({"last_visit_from": "2025-03-01"}, {"00102"}),
    ({"last_visit_to": "2025-02-01"}, ALL - {"00102"}),
    ({"last_coupon_from": "2025-01-01"}, {"00201"}),
    ({"last_coupon_to": "2024-12-31"}, ALL - {"00201"}),
]


@pytest.mark.django_db
def test_every_filter(manager):
    # One graded book, every filter of the list (a loop, not parametrize: the book takes a second to grade).
    got = {str(params): set(codes(get(manager, **params))) for params, _ in FILTERS}
    assert got == {str(params): expected for params, expected in FILTERS}


@pytest.mark.django_db
def test_match_count_and_grade_tabs_agree_with_the_rows(manager):
    # The match count is worked out from the tabs' per-grade counts (no second COUNT): still exactly the rows.
    for params, expected in FILTERS:
        assert get(manager, **params).context["page"].paginator.count == len(expected), params
    active = get(manager, grade=["A", "B"], lifecycle="active")
    assert active.context["grade_counts"] == {"A": 1, "B": 1, "D": 1}  # every filter but the grade
    assert active.context["page"].paginator.count == 2
    # An unreadable filter matches nothing; the tabs still count with the filters that could be read.
    bad = get(manager, grade="X", lifecycle="active")
    assert codes(bad) == [] and bad.context["page"].paginator.count == 0
    assert bad.context["grade_counts"] == {"A": 1, "B": 1, "D": 1}
    assert get(manager, sales_min="abc").context["grade_counts"] == {"A": 1, "B": 2, "D": 2}


def tabs_counted(client, **params):
    """(the tabs' counts, whether they were counted in SQL on this request rather than read from the cache)."""
    with CaptureQueriesContext(connection) as ctx:
        response = get(client, **params)
    grouped = any('COUNT(*) AS "n"' in q["sql"] and "GROUP BY" in q["sql"] for q in ctx.captured_queries)
    return response.context["grade_counts"], grouped


@pytest.mark.django_db
def test_tab_counts_are_cached_until_any_write_to_the_period_rows(manager, graded, client):
    from django.core.cache import cache

    from analytics.models import CustomerSnapshot
    from analytics.services.snapshots import snapshot_compute
    from tests.cockpit.conftest import P

    cache.clear()
    first = tabs_counted(manager, lifecycle="active")
    assert first == ({"A": 1, "B": 1, "D": 1}, True)
    assert tabs_counted(manager, lifecycle="active") == (first[0], False)  # the same rows: from the cache
    assert tabs_counted(manager, lifecycle="active", q="天河")[1]  # a live filter: counted every time
    assert tabs_counted(manager, lifecycle="active", q="天河")[1]
    CustomerSnapshot.objects.filter(period=P, code="00102").update(grade="B")  # any write: a churn fill, say
    assert tabs_counted(manager, lifecycle="active") == ({"B": 2, "D": 1}, True)
    CustomerSnapshot.objects.filter(period=P, code="00102").delete()  # what a merge does to the merged rows
    assert tabs_counted(manager, lifecycle="active")[0] == {"B": 1, "D": 1}
    snapshot_compute(period=P)  # a recompute writes them all again
    assert tabs_counted(manager, lifecycle="active") == (first[0], True)
    client.force_login(graded["sp1"].user)  # a salesperson's book follows the live owner: never cached
    assert tabs_counted(client)[1] and tabs_counted(client)[1]


@pytest.mark.django_db
def test_cached_page_follows_every_write_and_a_live_sort_is_never_cached(manager, graded, monkeypatch):
    from django.core.cache import cache

    from analytics.models import CustomerSnapshot
    from customers.models import Customer
    from tests.cockpit.conftest import P

    monkeypatch.setattr("cockpit.views.customers.PAGE_SIZE", 2)  # five rows: pages 1, 2 and 3
    cache.clear()
    everyone = codes(get(manager, sort="-sales", page=1)) + codes(get(manager, sort="-sales", page=2))
    assert codes(get(manager, sort="-sales", page=1)) == everyone[:2]  # the cached ids, the rows read again
    last = codes(get(manager, sort="-sales", page=3))[0]
    CustomerSnapshot.objects.filter(period=P, code=last).update(sales=10**9)
    assert codes(get(manager, sort="-sales", page=1)) == [last, everyone[0]]
    assert codes(get(manager, sort="customer", page=1))[0] != last
    Customer.objects.filter(code=last).update(name="0000")  # sorts first by name; no snapshot row changed
    assert codes(get(manager, sort="customer", page=1))[0] == last


@pytest.mark.django_db
def test_region_filter_takes_the_subtree_and_salesperson_filter(manager, graded, regions):
    assert set(codes(get(manager, region=regions["south"].pk))) == {"00101", "00102", "00202"}
    assert set(codes(get(manager, region=regions["gz"].pk))) == {"00101", "00202"}
    assert set(codes(get(manager, salesperson=graded["sp2"].pk))) == {"00201", "00202", "00203"}


@pytest.mark.django_db
def test_filters_live_in_the_url_and_the_form_shows_them(manager):
    response = get(manager, grade="B", lifecycle="active", period="2025-03")
    html = response.content.decode()
    assert codes(response) == ["00101"]
    assert re.search(r'<input type="checkbox" name="grade" value="B"[^>]*checked', html)
    assert re.search(r'<input type="checkbox" name="lifecycle" value="active"[^>]*checked', html)
    assert response.context["data"].period == dt.date(2025, 3, 1)


def more_grid(response):
    html = response.content.decode()
    return html[html.index('<div class="filter-grid">'):html.index("</details>")]


@pytest.mark.django_db
def test_more_filters_show_the_request_values_in_the_users_language(manager):
    # Django's own widgets, rendered for each request (no grid kept per process: issue 20).
    blank = more_grid(get(manager, grade="B"))
    assert 'name="sales_min"' in blank and "销售额至少" in blank and 'value="5"' not in blank
    asked = get(manager, grade="B", sales_min="5")
    assert 'name="sales_min" value="5"' in more_grid(asked) and "<details open>" in asked.content.decode()
    assert 'value="5"' not in more_grid(get(manager, grade="B"))
    manager.cookies["django_language"] = "en"
    english = more_grid(get(manager, grade="A"))
    assert "Sales at least" in english and "销售额至少" not in english
    # htmx partials never write the form at all
    partial = manager.get("/customers/", {"grade": "C"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert "filter-grid" not in partial.content.decode()


@pytest.mark.django_db
def test_previous_period_can_be_chosen(manager):
    response = get(manager, period="2025-02")
    assert set(codes(response)) == {"00101", "00102", "00201", "00202"}  # 00203 not covered in February
    assert get(manager, period="1999-01").context["data"].period == dt.date(2025, 3, 1)  # unknown: latest


def sort_value(row, key):
    return {
        "customer": row.name, "code": row.code, "region": row.region, "salesperson": row.salesperson,
        "contact": row.contact, "phone": row.phone, "shop_type": row.shop_type,
        "grade": row.grade, "previous_grade": row.previous_grade, "orders": row.orders, "sales": row.sales,
        "mom": row.mom_growth, "yoy": row.yoy_growth, "receivable": row.receivable, "overdue": row.overdue,
        "last_order": row.last_order_date, "last_visit": row.last_visit, "last_coupon": row.last_coupon,
        "lifecycle": row.lifecycle, "flags": row.sales_plunge, "segment": row.rfm_segment, "action": row.action,
        "churn_risk": row.churn_risk, "days_since": row.days_since_last_order,
    }[key]


@pytest.mark.django_db
def test_every_column_sorts_with_blanks_last(manager):
    for key in sorted(sort_fields()):
        for descending in (False, True):
            check_sort(manager, key, descending)


def check_sort(manager, key, descending):
    response = get(manager, sort=("-" if descending else "") + key)
    rows = response.context["page"].object_list
    values = [sort_value(r, key) for r in rows]
    present = [v for v in values if v is not None]
    assert values == present + [None] * (len(values) - len(present)), f"{key}: blanks go last"
    assert present == sorted(present, reverse=descending), key
    for header in response.context["headers"]:  # "code" sorts too but shares the customer column
        assert header["aria"] == (("descending" if descending else "ascending") if header["key"] == key else "none")


@pytest.mark.django_db
def test_default_sort_is_sales_descending_and_ties_by_code(manager):
    assert codes(get(manager)) == ["00102", "00101", "00203", "00201", "00202"]


@pytest.mark.django_db
def test_pagination_counts_50_a_page(client, graded, admin_user):
    from analytics.services.snapshots import snapshot_compute
    from tests.cockpit.conftest import P

    CustomerFactory.create_batch(56, owner=graded["sp1"], first_seen=dt.date(2024, 1, 1))
    snapshot_compute(period=P)
    client.force_login(admin_user)
    first = get(client)
    assert len(codes(first)) == 50
    assert first.context["page"].paginator.count == 61
    second = get(client, page=2)
    assert len(codes(second)) == 11
    assert "51–61" in second.content.decode()
    assert not set(codes(first)) & set(codes(second))


@pytest.mark.django_db
def test_the_page_is_read_before_it_renders(manager, graded, monkeypatch):
    # Selectors return data, views render: the rows, the match count, the tabs' counts and the pickers' choices
    # are read by customer_list_page. A queryset, a paginator or a bound form left lazy for the template would
    # query while the template renders (context processors, run before it, aside).
    from django.core.cache import cache
    from django.template.base import Template

    queried: list[tuple[str, list[str]]] = []
    render = Template._render

    def counting(self, context):
        with CaptureQueriesContext(connection) as ctx:
            html = render(self, context)
        queried.append((self.name, [q["sql"] for q in ctx.captured_queries]))
        return html

    monkeypatch.setattr(Template, "_render", counting)
    for user in (None, graded["sp1"].user):  # the manager, then a salesperson
        if user is not None:
            manager.force_login(user)
        for params in ({}, {"grade": "A", "sort": "customer", "page": "9"}, {"q": "天河", "sales_min": "abc"}):
            cache.clear()  # the filter form and the table rendered in full, not read from the cache
            get(manager, **params)
            manager.get("/customers/", params, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    names = {name for name, _ in queried}
    assert {"cockpit/customers/list.html", "cockpit/customers/_results.html", "cockpit/customers/_table.html"} <= names
    assert [(name, sql) for name, sql in queried if sql] == []


@pytest.mark.django_db
def test_htmx_request_gets_only_the_results(manager):
    response = manager.get("/customers/", {"grade": "A"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    html = response.content.decode()
    assert html.startswith('<div id="results"')
    assert "<html" not in html
    assert 'id="sort-input"' in html and "hx-swap-oob" in html
    assert "HX-Request" in response["Vary"]
    # A history restore (back button with a cold cache) gets the whole page.
    full = manager.get("/customers/", {"grade": "A"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results",
                       HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in full.content.decode()


@pytest.mark.django_db
def test_salesperson_sees_only_own_customers_and_choices(client, graded):
    client.force_login(graded["sp1"].user)
    response = get(client)
    assert set(codes(response)) == {"00101", "00102"}
    form = response.context["data"].form
    assert [sp.name for sp in form.fields["salesperson"].queryset] == ["张三"]
    assert set(form.fields["region"].queryset.values_list("path", flat=True)) == {"广东", "广东/广州"}
    # Naming another salesperson's book is not a valid choice: nothing leaks.
    other = get(client, salesperson=graded["sp2"].pk)
    assert codes(other) == []
    assert "salesperson" in other.context["data"].form.errors
    assert codes(get(client, q="00201")) == []


@pytest.mark.django_db
def test_filter_choices_are_each_users(graded, manager_user):
    from django.http import QueryDict

    from analytics.models import CustomerSnapshot
    from cockpit.filters import LiveCustomerSnapshotFilter

    def form(user):
        return LiveCustomerSnapshotFilter(QueryDict(), queryset=CustomerSnapshot.objects.none(), user=user).form

    mine, theirs = form(graded["sp1"].user), form(manager_user)
    assert [sp.name for sp in mine.fields["salesperson"].queryset] == ["张三"]
    assert {sp.name for sp in theirs.fields["salesperson"].queryset} == {"张三", "李四"}
    assert [str(label) for _value, label in mine.fields["salesperson"].choices][1:] == ["张三"]
    # The class holds no one's choices.
    assert list(LiveCustomerSnapshotFilter.base_filters["salesperson"].queryset) == []


@pytest.mark.django_db
def test_regional_manager_sees_only_their_regions(client, graded, south_manager):
    client.force_login(south_manager)
    assert set(codes(get(client))) == {"00101", "00102", "00202"}
    north = Region.objects.get(path="北京")
    assert codes(get(client, region=north.pk)) == []


@pytest.mark.django_db
def test_send_coupon_selection_and_select_all_matching(manager):
    html = get(manager, grade="B").content.decode()
    assert 'action="/coupons/send/"' in html
    assert 'name="codes" value="00101"' in html
    assert 'data-all-url="/coupons/send/?all=1&amp;grade=B"' in html
    assert 'data-total="2"' in html


# The exports: exactly what is filtered, in the list's order, in cockpit.columns' columns. CSV: stable English
# headers, raw values, formula-looking text neutralised; XLSX: the user's language, typed and formatted cells.
HEADER = [
    "customer_code", "customer_name", "region", "salesperson", "contact", "phone", "grade", "grade_label",
    "previous_grade", "movement", "override", "orders", "sales", "mom_growth", "yoy_growth", "receivable", "overdue",
    "last_order_date", "churn_risk", "churn_reasons", "days_since_last_order", "last_visit_date", "last_coupon_date",
    "lifecycle", "flags", "rfm_segment", "action", "shop_type",
]
ROW_00102 = ["00102", "越秀超市", "广东", "张三", "'=HYPERLINK(1)", "'+8613800138002", "A", "核心客户", "C", "up",
             "false", "1", "150000.00", "6.5", "", "0.00", "0.00", "2025-03-15", "", "", "16", "2025-03-05", "",
             "active", "sales_surge", "Champions", "keep", "'-超市"]
ROW_00101 = ["00101", "天河便利店", "广东/广州", "张三", "王经理", "'+8613800138001", "B", "重要客户", "A", "down",
             "false", "1", "60000.00", "-0.5", "1.0", "130000.00", "70000.00", "2025-03-10", "", "", "21", "", "",
             "active", "sales_plunge", "Loyal", "call_what_changed", "便利店"]


def csv_rows(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.django_db
def test_csv_export_is_exactly_the_filtered_rows(client, graded):
    client.force_login(graded["sp1"].user)
    response = client.get("/customers/export.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="customers-2025-03.csv"'
    assert csv_rows(response) == [HEADER, ROW_00102, ROW_00101]
    # Filtered and sorted like the list.
    assert csv_rows(client.get("/customers/export.csv", {"sort": "code", "grade": "B"})) == [HEADER, ROW_00101]


@pytest.mark.django_db
def test_csv_headers_stay_english_in_chinese_and_local_headers_on_request(client, graded):
    client.force_login(graded["sp1"].user)
    assert csv_rows(client.get("/customers/export.csv", HTTP_ACCEPT_LANGUAGE="zh-hans"))[0] == HEADER
    rows = csv_rows(client.get("/customers/export.csv", {"headers": "local", "grade": "B"}))
    named = dict(zip(rows[0], rows[1], strict=True))
    assert rows[0][:2] == ["客户编码", "客户"] and "流失风险" in rows[0] and "距上次下单天数" in rows[0]
    assert named["客户编码"] == "00101" and named["电话"] == "'+8613800138001"  # still neutralised in a CSV
    assert named["变动"] == "下降" and named["手动定级"] == "否" and named["标记"] == "销售额骤降"
    client.cookies["django_language"] = "en"
    english = csv_rows(client.get("/customers/export.csv", {"headers": "local", "grade": "B"}))
    assert english[0][:3] == ["Customer code", "Customer", "Region"]
    assert dict(zip(english[0], english[1], strict=True))["Lifecycle"] == "Active"  # as the English UI says it


@pytest.mark.django_db
def test_manager_export_includes_override_and_blank_previous(manager):
    rows = csv_rows(manager.get("/customers/export.csv", {"sort": "code"}))
    assert [r[0] for r in rows[1:]] == sorted(ALL)
    by_code = {r[0]: dict(zip(HEADER, r, strict=True)) for r in rows[1:]}
    assert by_code["00202"]["override"] == "true" and by_code["00202"]["grade"] == "B"
    assert by_code["00203"]["previous_grade"] == "" and by_code["00203"]["flags"] == "is_new"
    assert by_code["00202"]["days_since_last_order"] == ""  # never ordered


@pytest.mark.django_db
def test_xlsx_export_is_typed_formatted_frozen_filtered_and_in_the_users_language(client, graded):
    from django.utils import translation

    from analytics.models import CustomerSnapshot
    from cockpit.columns import exported

    CustomerSnapshot.objects.filter(code="00101").update(churn_risk=0.42, churn_reasons="gaps_growing buying_less")
    client.force_login(graded["sp1"].user)
    response = client.get("/customers/export.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:AB3"
    cells = [list(r) for r in sheet.iter_rows()]
    rows = [[c.value for c in r] for r in cells]
    with translation.override("zh-hans"):
        assert rows[0] == [str(c.label) for c in exported()]
    assert rows[0][:2] == ["客户编码", "客户"] and "流失风险" in rows[0]
    assert [r[0] for r in rows[1:]] == ["00102", "00101"]
    at = {name: i for i, name in enumerate(HEADER)}
    first, second = cells[1], cells[2]
    # Text as it is (no apostrophe): a text cell never runs; "=..." is kept a text cell, never a formula.
    assert first[at["phone"]].value == "+8613800138002" and first[at["phone"]].data_type == "s"
    assert first[at["contact"]].value == "=HYPERLINK(1)" and first[at["contact"]].data_type == "s"
    assert (first[at["sales"]].value, first[at["sales"]].number_format) == (150000.0, "#,##0.00")
    assert (first[at["mom_growth"]].value, first[at["mom_growth"]].number_format) == (6.5, "0.0%")
    assert (second[at["last_order_date"]].value, second[at["last_order_date"]].number_format) == (
        dt.datetime(2025, 3, 10), "yyyy-mm-dd")
    assert (second[at["days_since_last_order"]].value, second[at["orders"]].value) == (21, 1)
    assert second[at["receivable"]].value == 130000.0
    assert (second[at["lifecycle"]].value, second[at["movement"]].value) == ("活跃", "下降")
    # The stored churn reasons in the reader's words and punctuation; none on a row without a risk.
    assert (second[at["churn_risk"]].value, second[at["churn_reasons"]].value) == (
        0.42, "最近几次下单间隔比平时长；采购额低于全年水平")
    assert first[at["churn_reasons"]].value is None
    assert all(c.data_type != "f" for r in cells for c in r)


@pytest.mark.django_db
def test_exports_never_include_another_salespersons_customers(client, graded):
    client.force_login(graded["sp2"].user)
    text = client.get("/customers/export.csv", {"q": "0010"}).content.decode("utf-8")
    assert text.strip("\ufeff\r\n").splitlines() == [",".join(HEADER)]


@pytest.mark.django_db
def test_no_snapshot_yet_says_what_to_do(client, book):
    client.force_login(book["sp1"].user)
    html = client.get("/customers/").content.decode()
    assert "compute_snapshots --missing" in html
