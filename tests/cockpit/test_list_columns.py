"""The customer list's column registry, column chooser, pager and URL handling (issues 16 and 20)."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from cockpit import columns
from cockpit.models import ListPreference
from tests.cockpit.conftest import codes


@pytest.fixture
def manager(client, graded, manager_user):
    client.force_login(manager_user)
    return client


def get(client, **params):
    response = client.get("/customers/", params)
    assert response.status_code == 200
    return response


def header_keys(response):
    return [h["key"] for h in response.context["headers"]]


@pytest.mark.django_db
def test_a_column_declared_once_is_in_the_table_sorts_exports_and_chooser(manager, monkeypatch):
    added = columns.Column("computed", "Computed grade", "computed_grade", field="computed_grade",
                           sort="computed_grade", width="w-s", default=True)
    monkeypatch.setattr(columns, "COLUMNS", (*columns.COLUMNS, added))
    html = get(manager).content.decode()
    assert re.search(r'<a href="\?sort=computed" hx-get="\?sort=computed">Computed grade</a>', html)  # header
    assert 'name="columns" value="computed"' in html  # the chooser offers it
    for descending in (False, True):
        response = get(manager, sort="-computed" if descending else "computed")
        got = [(r.computed_grade, r.code) for r in response.context["page"].object_list]
        assert [g for g, _ in got] == sorted((g for g, _ in got), reverse=descending)
        assert dict(zip(header_keys(response), (h["aria"] for h in response.context["headers"]), strict=True))[
            "computed"] == ("descending" if descending else "ascending")
    # the cell: the last cell of 00202's row (overridden to B, computed D)
    row = re.search(r'<tr>(?:(?!</tr>).)*value="00202"(?:(?!</tr>).)*</tr>', html, re.S).group(0)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row)[-1] == "D"
    text = manager.get("/customers/export.csv", {"sort": "code"}).content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][-1] == "computed_grade" and [r[-1] for r in table[1:]] == ["B", "A", "D", "D", "D"]
    sheet = load_workbook(io.BytesIO(manager.get("/customers/export.xlsx").content)).active
    assert next(sheet.iter_rows(values_only=True))[-1] == "Computed grade"
    # and the user can hide it again
    manager.post("/customers/columns/", {"columns": ["grade"], "next": "/customers/"})
    assert header_keys(get(manager)) == ["customer", "grade"]


@pytest.mark.django_db
def test_column_choice_is_remembered_per_user_reset_and_checked(client, graded, manager_user, south_manager):
    client.force_login(manager_user)
    defaults = header_keys(get(client))
    assert "phone" not in defaults and "customer" in defaults and "days_since" in defaults  # no scores: days since
    response = client.post("/customers/columns/", {"columns": ["phone", "grade"], "next": "/customers/?grade=B"})
    assert response.status_code == 302 and response["Location"] == "/customers/?grade=B"
    assert header_keys(get(client)) == ["customer", "phone", "grade"]  # the registry's order; the customer always
    assert ListPreference.objects.get(user=manager_user).columns == ["phone", "grade"]
    client.force_login(south_manager)
    assert header_keys(get(client)) == defaults  # another user's list is theirs
    client.force_login(manager_user)
    bad = client.post("/customers/columns/", {"columns": ["bogus"], "next": "https://evil.example/"}, follow=True)
    assert bad.redirect_chain[0][0] == "/customers/"  # never off-site
    assert "无法保存这些列" in bad.content.decode()
    assert header_keys(get(client)) == ["customer", "phone", "grade"]  # unchanged
    client.post("/customers/columns/", {"reset": "on", "next": "/customers/"})
    assert header_keys(get(client)) == defaults and not ListPreference.objects.exists()
    assert client.get("/customers/columns/").status_code == 405


@pytest.mark.django_db
def test_pager_has_page_numbers_and_a_page_size_choice(manager, monkeypatch):
    monkeypatch.setattr("cockpit.views.customers.PAGE_SIZE", 2)  # five rows: pages 1, 2 and 3
    monkeypatch.setattr("cockpit.views.customers.PAGE_SIZES", (2, 25))
    response = get(manager, grade=["A", "B", "D"], page=2)
    html = response.content.decode()
    pager = html[html.index('<nav class="pager"'):]
    numbers = re.findall(r'<a href="([^"]+)" hx-get="[^"]+"(?: aria-current="page")?>(\d)</a>', pager)
    assert [n for _, n in numbers] == ["1", "2", "3"]
    assert numbers[0][0] == "?grade=A&amp;grade=B&amp;grade=D&amp;page=1"
    here = "?grade=A&amp;grade=B&amp;grade=D&amp;page=2"
    assert f'<a href="{here}" hx-get="{here}" aria-current="page">2</a>' in pager
    assert 'rel="prev"' in pager and 'rel="next"' in pager
    assert '<a href="?grade=A&amp;grade=B&amp;grade=D&amp;size=25"' in pager  # a size starts again at page 1
    everything = get(manager, size=25)
    assert len(codes(everything)) == 5 and "page-numbers" not in everything.content.decode()
    assert '<strong aria-current="true">25</strong>' in everything.content.decode()
    assert 'id="size-input" value="25"' in everything.content.decode()  # the filter form keeps it


@pytest.mark.django_db
def test_links_never_carry_empty_parameters(manager):
    response = get(manager, q="", region="", grade="B", sales_min="", sort="-sales", page="")
    html = response.content.decode()
    links = re.findall(r'(?:href|hx-get|data-all-url)="([^"]*\?[^"]*)"', html)
    assert len(links) > 20
    for link in links:
        query = link.split("?", 1)[1].replace("&amp;", "&")
        assert all(pair.split("=", 1)[1] for pair in query.split("&") if pair), link


@pytest.mark.django_db
def test_unreadable_values_in_the_address_say_so(manager):
    bad = get(manager, sales_min="abc")
    html = bad.content.decode()
    assert 'role="alert"' in html and "销售额至少（¥）" in html and codes(bad) == []
    partial = manager.get("/customers/", {"sales_min": "abc"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert "销售额至少（¥）" in partial.content.decode()  # the htmx swap shows it too
    manager.cookies["django_language"] = "en"
    notices = get(manager, period="1999-01", sort="bogus", size="7", region="abc").context["notices"]
    assert notices[0].startswith("Region: ")
    assert notices[1:] == [
        "There is no snapshot for the period “1999-01”; showing 2025-03.",
        "The list cannot be sorted by “bogus”; it is sorted by sales, biggest first.",
        "“7” is not a page size (25, 50, 100, 200); showing 50 a page.",
    ]
    assert get(manager, period="2025-03", sort="-orders").context["notices"] == []
    for query in ("region=99999999999999999999", "page=abc", "page=-1", "page=999", "last_order_from=2025-13-01",
                  "mom_min=nan", "sales_min=1e400", "grade=Z", "size=", "flag=bogus", "salesperson=-1"):
        assert manager.get(f"/customers/?{query}").status_code == 200, query


@pytest.mark.django_db
def test_the_shop_type_is_a_column_to_show_sort_and_export(manager, graded):
    from customers.models import Customer

    Customer.objects.filter(code="00202").update(shop_type="餐饮")
    manager.post("/customers/columns/", {"columns": ["shop_type", "grade"], "next": "/customers/"})
    response = get(manager, sort="-shop_type")
    assert "shop_type" in header_keys(response)
    assert response.context["page"].object_list[0].code == "00202"  # blanks sort last
    row = re.search(r'<tr>(?:(?!</tr>).)*value="00202"(?:(?!</tr>).)*</tr>', response.content.decode(), re.S)
    assert "餐饮" in row.group(0)
    table = list(csv.reader(io.StringIO(manager.get("/customers/export.csv", {"sort": "code"}).content
                                       .decode("utf-8-sig"))))
    at = table[0].index("shop_type")
    assert {r[0]: r[at] for r in table[1:]}["00202"] == "餐饮"
    profile = manager.get("/customers/00202/").content.decode()
    assert re.search(r"<dt>店铺类型</dt><dd>餐饮</dd>", profile)  # Chinese: the default language
