"""The dashboard: company figures from the stored summary, scoped figures grouped from snapshot rows, links."""

import datetime as dt
import json
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics.models import PeriodSummary
from analytics.services.snapshots import snapshot_compute
from cockpit.selectors.dashboard import control_cards
from tests.cockpit.conftest import P, codes
from tests.factories import CustomerFactory, OrderFactory


def tiles(response):
    return {t["key"]: t["value"] for t in response.context["tiles"]}


def matrix(response):
    return {(row["previous"], c["grade"]): c["n"] for row in response.context["matrix"] for c in row["cells"] if c["n"]}


@pytest.mark.django_db
def test_manager_sees_the_company_from_the_stored_summary(client, graded, manager_user):
    client.force_login(manager_user)
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["period"] == P
    assert response.context["scope"].company_wide()
    assert tiles(response) == {"active": 3, "at_risk": 1, "churned": 0, "never": 1, "is_new": 1, "sales_surge": 1,
                               "sales_plunge": 2, "orders_surge": 0, "orders_plunge": 0}
    assert matrix(response) == {("A", "B"): 1, ("C", "A"): 1, ("B", "D"): 1, ("D", "D"): 1, ("none", "D"): 1}
    grades = {g["grade"]: (g["customers"], g["sales"]) for g in response.context["grades"]}
    assert grades == {"A": (1, Decimal("150000.00")), "B": (2, Decimal("60000.00")), "C": (0, Decimal("0.00")),
                      "D": (2, Decimal("5000.00"))}
    assert [g["cumulative_share"] for g in response.context["grades"]] == [150 / 215, 210 / 215, 210 / 215, 1.0]
    assert [m.code for m in response.context["movers"]] == ["00201", "00101"]  # B -> D (two grades) first


@pytest.mark.django_db
def test_salesperson_figures_are_their_book_only(client, graded):
    client.force_login(graded["sp1"].user)
    response = client.get("/")
    assert not response.context["scope"].company_wide()
    assert tiles(response) == {"active": 2, "at_risk": 0, "churned": 0, "never": 0, "is_new": 0, "sales_surge": 1,
                               "sales_plunge": 1, "orders_surge": 0, "orders_plunge": 0}
    assert matrix(response) == {("A", "B"): 1, ("C", "A"): 1}
    assert [m.code for m in response.context["movers"]] == ["00101"]
    assert "region" not in response.context["form"].fields
    html = response.content.decode()
    for code in ("00201", "00202", "00203", "朝阳批发", "海淀小卖部"):
        assert code not in html
    # The chart data carries only their grades' sales.
    figure = response.context["grade_figure"]
    assert figure["data"][0]["y"] == [150000.0, 60000.0, 0.0, 0.0]


@pytest.mark.django_db
def test_region_and_salesperson_filters_narrow_every_figure(client, graded, manager_user, regions):
    client.force_login(manager_user)
    response = client.get("/", {"region": regions["gz"].pk})
    assert tiles(response)["never"] == 1 and tiles(response)["active"] == 1  # 00202 and 00101
    assert matrix(response) == {("A", "B"): 1, ("D", "D"): 1}
    response = client.get("/", {"salesperson": graded["sp2"].pk})
    assert matrix(response) == {("B", "D"): 1, ("D", "D"): 1, ("none", "D"): 1}
    # Links carry the filter so the list shows the same customers.
    url = next(t["url"] for t in response.context["tiles"] if t["key"] == "sales_plunge")
    assert parse_qs(urlparse(url).query) == {"period": ["2025-03"], "salesperson": [str(graded["sp2"].pk)],
                                             "flag": ["sales_plunge"]}


@pytest.mark.django_db
def test_regional_manager_is_scoped(client, graded, south_manager):
    client.force_login(south_manager)
    response = client.get("/")
    assert not response.context["scope"].company_wide()
    assert sum(tiles(response)[k] for k in ("active", "at_risk", "churned", "never")) == 3
    assert "00201" not in response.content.decode()


@pytest.mark.django_db
def test_every_tile_and_matrix_cell_opens_exactly_its_customers(client, graded, manager_user):
    client.force_login(manager_user)
    response = client.get("/")
    for tile in response.context["tiles"]:
        assert len(codes(client.get(tile["url"]))) == tile["value"], tile["key"]
    for row in response.context["matrix"]:
        for cell in row["cells"]:
            assert len(codes(client.get(cell["url"]))) == cell["n"], (row["previous"], cell["grade"])
    for grade, url in response.context["grade_links"].items():
        listed = codes(client.get(url))
        assert len(listed) == next(g["customers"] for g in response.context["grades"] if g["grade"] == grade)


@pytest.mark.django_db
def test_matrix_links_of_a_salesperson_never_list_others(client, graded):
    client.force_login(graded["sp1"].user)
    response = client.get("/")
    url = next(c["url"] for row in response.context["matrix"] if row["previous"] == "B" for c in row["cells"]
               if c["grade"] == "D")
    assert codes(client.get(url)) == []  # 00201 moved B -> D but is 李四's


@pytest.mark.django_db
def test_trend_rows_and_figures_travel_as_json(client, graded, manager_user):
    client.force_login(manager_user)
    response = client.get("/")
    html = response.content.decode()
    assert '<script id="grade-figure" type="application/json">' in html
    assert "<script>" not in html  # no inline script: CSP script-src 'self' holds
    assert '/static/vendor/plotly.js-' in html and "cdn" not in html.lower()
    assert [t["id"] for t in response.context["trends"]] == [
        "trend-buying_customers", "trend-sales_fen", "trend-avg_order_value_fen"]
    start = html.index('<script id="trend-sales_fen" type="application/json">') + len(
        '<script id="trend-sales_fen" type="application/json">')
    figure = json.loads(html[start:html.index("</script>", start)])
    value = next(t for t in figure["data"] if t.get("mode") == "lines+markers")
    assert (value["x"], value["y"]) == (["2025-02", "2025-03"], [200000.0, 215000.0])


def test_control_cards_call_the_spring_festival_dip_seasonal():
    drop = Decimal("0.15")
    feb = {"buying_customers": 80, "buying_customers_baseline": 100.0, "buying_customers_last_year": 82.0,
           "buying_customers_alert": True, "sales_fen": 70_000_00, "sales_fen_baseline": 100_000_00.0,
           "sales_fen_last_year": 100_000_00.0, "sales_fen_alert": True, "avg_order_value_fen": 1000_00.0,
           "avg_order_value_fen_baseline": 1000_00.0, "avg_order_value_fen_last_year": None,
           "avg_order_value_fen_alert": False}
    cards = {c["metric"]: c for c in control_cards(feb, drop)}
    assert cards["buying_customers"]["status"] == "seasonal"  # -20% on the baseline, -2.4% on last year
    assert cards["sales_fen"]["status"] == "alert"  # -30% on last year too: a real drop
    assert cards["avg_order_value_fen"]["status"] == "ok"
    assert cards["sales_fen"]["value"] == Decimal("70000.00")
    assert round(cards["buying_customers"]["vs_last_year"], 4) == round(80 / 82 - 1, 4)


@pytest.mark.django_db
def test_first_month_of_history_explains_why_everyone_is_new(client, graded, manager_user):
    from analytics.services.snapshots import snapshot_compute

    client.force_login(manager_user)
    PeriodSummary.objects.all().delete()
    snapshot_compute(period=dt.date(2024, 3, 1))  # the month of the earliest order on file
    html = client.get("/").content.decode()
    assert "First month of the imported history" in html or "导入历史的第一个月" in html


@pytest.mark.django_db
def test_empty_states_say_what_to_do(client, book, manager_user):
    client.force_login(book["sp1"].user)
    html = client.get("/").content.decode()
    assert "compute_snapshots --missing" in html  # customers, no snapshot yet
    client.force_login(manager_user)
    from customers.models import Customer

    Customer.objects.all().delete()
    html = client.get("/").content.decode()
    assert "import_sales" in html and "seed_demo" in html


@pytest.mark.django_db
def test_pulse_is_shown_apart_and_scoped(client, graded, manager_user):
    from analytics.models import CustomerPulse
    from customers.models import Customer

    CustomerPulse.objects.bulk_create([
        CustomerPulse(customer=c, as_of=dt.date(2025, 4, 10), lifecycle="active", is_new=False, sales_surge=False,
                      sales_plunge=False, orders_surge=False, orders_plunge=False) for c in Customer.objects.all()
    ])
    client.force_login(graded["sp1"].user)
    pulse = client.get("/").context["pulse"]
    assert pulse["customers"] == 2 and pulse["as_of"] == dt.date(2025, 4, 10)
    client.force_login(manager_user)
    assert client.get("/").context["pulse"]["customers"] == 5


@pytest.mark.django_db
def test_period_picker_offers_closed_months_and_defaults_to_latest(client, graded, manager_user):
    client.force_login(manager_user)
    response = client.get("/")
    assert [c[0] for c in response.context["form"].fields["period"].choices] == ["2025-03", "2025-02"]
    assert client.get("/", {"period": "2025-02"}).context["period"] == dt.date(2025, 2, 1)


@pytest.mark.django_db
def test_new_customers_after_the_close_do_not_change_the_closed_month(client, graded, manager_user):
    client.force_login(manager_user)
    before = tiles(client.get("/"))
    OrderFactory(customer=CustomerFactory(first_seen=dt.date(2025, 4, 1)), order_date=dt.date(2025, 4, 2))
    assert tiles(client.get("/")) == before


@pytest.mark.django_db
def test_win_back_panel_loads_after_the_page_and_is_cached(client, admin_user, django_assert_max_num_queries):
    from django.core.cache import cache

    cache.clear()
    client.force_login(admin_user)
    page = client.get("/")
    assert b'hx-get="/dashboard/outcomes/' in page.content  # the page does not wait for the panel
    first = client.get("/dashboard/outcomes/", HTTP_HX_REQUEST="true")
    assert first.status_code == 200 and b"outcomes-title" in first.content
    # session, user, role, the newest snapshot run (the cache key): the panel itself comes from the cache
    with django_assert_max_num_queries(4):
        client.get("/dashboard/outcomes/", HTTP_HX_REQUEST="true")
    full = client.get("/dashboard/outcomes/")
    assert b"<html" in full.content and b"outcomes-title" in full.content


# The closed period's figures are cached (cockpit.views.dashboard._figures_key): a recompute, a reassignment or
# an override that is recomputed must show at once, and no two scopes may ever read each other's entry.


def shown(response):
    """Tiles and matrix cells as the HTML shows them (those sections are cached as HTML), checked against the
    figures in the context, so a cached fragment can never disagree with the figures of the same request."""
    html = response.content.decode()
    tile = re.compile(r'class="tile tile-(\w+)" href="[^"]*"><b>([\d,]+)</b>')
    cell = re.compile(r'<td class="num move-\w+">(?:<a href="[^"]*">)?(?:<span class="muted">)?([\d,]+)<')
    assert {k: int(v.replace(",", "")) for k, v in tile.findall(html)} == tiles(response)
    cells = [int(n.replace(",", "")) for n in cell.findall(html)]
    assert cells == [c["n"] for row in response.context["matrix"] for c in row["cells"]]
    return response


def snapshot_queries(client, url="/"):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return response, [q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"]]


@pytest.mark.django_db
def test_cached_pulse_follows_each_run_and_each_reassignment(client, graded, manager_user):
    from analytics.models import CustomerPulse
    from analytics.services.pulse import pulse_compute
    from customers.services import customer_reassign

    pulse_compute(as_of=dt.date(2025, 4, 10))
    client.force_login(graded["sp1"].user)
    first = client.get("/").context["pulse"]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").context["pulse"] == first
    assert not any("analytics_customerpulse" in q["sql"] and "COUNT" in q["sql"] for q in ctx.captured_queries)
    CustomerPulse.objects.filter(customer=graded["c1"]).update(lifecycle="churned")  # not a run: still cached
    assert client.get("/").context["pulse"] == first
    pulse_compute(as_of=dt.date(2025, 4, 20))  # a new run: new rows, counted again
    assert client.get("/").context["pulse"]["as_of"] == dt.date(2025, 4, 20)
    customer_reassign(customers=[graded["c3"]], to=graded["sp1"])
    assert client.get("/").context["pulse"]["customers"] == 3
    client.force_login(graded["sp2"].user)
    assert client.get("/").context["pulse"]["customers"] == 2
    client.force_login(manager_user)
    assert client.get("/").context["pulse"]["customers"] == 5


@pytest.mark.django_db
def test_cached_figures_are_served_until_a_recompute_replaces_them(client, graded, manager_user):
    client.force_login(graded["sp1"].user)
    first, grouped = snapshot_queries(client)
    shown(first)
    assert grouped  # a salesperson's figures are grouped from their snapshot rows...
    again, grouped = snapshot_queries(client)
    shown(again)
    assert not grouped and tiles(again) == tiles(first)  # ...once, then read from the cache
    OrderFactory(customer=graded["c1"], order_date=dt.date(2025, 3, 20), amount=Decimal("90000.00"))
    assert tiles(shown(client.get("/"))) == tiles(first)  # the closed month is what its snapshot says
    snapshot_compute(period=P)
    after = shown(client.get("/"))
    assert matrix(after) == {("A", "A"): 1, ("C", "A"): 1}  # 00101 back to A (150k) once recomputed
    assert tiles(after)["sales_plunge"] == 0


@pytest.mark.django_db
def test_a_reassignment_moves_cached_figures_at_once(client, graded, manager_user):
    from customers.services import customer_reassign

    client.force_login(graded["sp1"].user)
    assert [m.code for m in client.get("/").context["movers"]] == ["00101"]
    client.force_login(graded["sp2"].user)
    assert [m.code for m in client.get("/").context["movers"]] == ["00201"]
    client.force_login(manager_user)
    assert "李四" in client.get("/").content.decode()  # 00201's owner in the movers table
    customer_reassign(customers=[graded["c3"]], to=graded["sp1"])  # 00201: 李四 -> 张三, no month recomputed
    client.force_login(graded["sp1"].user)
    response = shown(client.get("/"))
    assert [m.code for m in response.context["movers"]] == ["00201", "00101"]
    assert matrix(response) == {("A", "B"): 1, ("C", "A"): 1, ("B", "D"): 1}
    client.force_login(graded["sp2"].user)
    response = shown(client.get("/"))
    assert response.context["movers"] == [] and ("B", "D") not in matrix(response)
    client.force_login(manager_user)
    movers = client.get("/").context["movers"]
    assert [(m.code, m.customer.owner.name) for m in movers] == [("00201", "张三"), ("00101", "张三")]


@pytest.mark.django_db
def test_movers_never_show_a_row_a_merge_deleted(client, graded, manager_user):
    from analytics.models import CustomerSnapshot

    client.force_login(manager_user)
    assert [m.code for m in client.get("/").context["movers"]] == ["00201", "00101"]
    CustomerSnapshot.objects.filter(period=P, code="00201").delete()  # what merging 00201 away does to its rows
    assert [m.code for m in client.get("/").context["movers"]] == ["00101"]


@pytest.mark.django_db
def test_an_override_shows_at_once_and_a_recompute_keeps_it(client, graded, manager_user):
    from customers.services_admin.overrides import customer_override_set

    client.force_login(manager_user)
    before = {g["grade"]: g["customers"] for g in client.get("/").context["grades"]}  # now cached
    customer_override_set(customer=graded["c5"], grade="A", reason="key account",
                          until=timezone.localdate() + dt.timedelta(days=30), by=manager_user)
    grades = {g["grade"]: g["customers"] for g in client.get("/").context["grades"]}
    assert grades == {**before, "A": before["A"] + 1, "D": before["D"] - 1} and grades["A"] == 2  # issue 16
    snapshot_compute(period=P)
    assert {g["grade"]: g["customers"] for g in client.get("/").context["grades"]} == grades


@pytest.mark.django_db
def test_scopes_and_languages_never_share_cached_figures(client, graded, manager_user, south_manager, regions):
    seen = {}
    for name, user, params in (("sp1", graded["sp1"].user, {}), ("sp2", graded["sp2"].user, {}),
                               ("company", manager_user, {}), ("south", south_manager, {}),
                               ("gz", manager_user, {"region": regions["gz"].pk}),
                               ("by_sp2", manager_user, {"salesperson": graded["sp2"].pk})):
        client.force_login(user)
        client.get("/", params)  # fill the cache for this scope
        response = shown(client.get("/", params))
        seen[name] = (tiles(response), matrix(response), [m.code for m in response.context["movers"]])
    assert seen["sp1"][1] == {("A", "B"): 1, ("C", "A"): 1} and seen["sp1"][2] == ["00101"]
    assert seen["sp2"][1] == {("B", "D"): 1, ("D", "D"): 1, ("none", "D"): 1} and seen["sp2"][2] == ["00201"]
    assert seen["by_sp2"] == seen["sp2"]  # the same customers, so the same figures (their own entries)
    assert seen["gz"][1] == {("A", "B"): 1, ("D", "D"): 1}
    assert sum(seen["south"][0][k] for k in ("active", "at_risk", "churned", "never")) == 3
    assert seen["company"][1] == {("A", "B"): 1, ("C", "A"): 1, ("B", "D"): 1, ("D", "D"): 1, ("none", "D"): 1}
    client.force_login(manager_user)
    zh = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    en = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert {t["label"] for t in en.context["tiles"]} != {t["label"] for t in zh.context["tiles"]}
    assert "Active" in {t["label"] for t in en.context["tiles"]}


@pytest.mark.django_db
def test_tiles_show_the_change_against_last_month(client, graded, manager_user):
    client.force_login(manager_user)
    now = {t["key"]: t for t in client.get("/").context["tiles"]}
    before = client.get("/", {"period": "2025-02"})
    assert all(t["change"] is None for t in before.context["tiles"])  # no month before the first: no change
    for key, tile in now.items():
        assert tile["change"] == tile["value"] - tiles(before)[key], key
    # February: 00101, 00102, 00201 active, 00202 never bought; March: 00201 about to churn, 00203 new and active.
    assert (now["at_risk"]["change"], now["at_risk"]["tone"]) == (1, "worse")
    assert (now["active"]["change"], now["active"]["tone"]) == (0, "")
    assert (now["sales_surge"]["change"], now["sales_surge"]["tone"]) == (1, "better")
    html = client.get("/", headers={"accept-language": "en"}).content.decode()
    tile = re.search(r'<a class="tile tile-at_risk"[^>]*>(.*?)</a>', html, re.S).group(1)
    assert "▲ +1 vs last month" in tile and 'class="delta worse"' in tile


@pytest.mark.django_db
def test_pulse_numbers_open_the_customers_behind_them(client, graded, manager_user):
    from analytics.models import CustomerPulse
    from customers.models import Customer

    states = {"00101": ("at_risk", True), "00102": ("active", False), "00201": ("churned", False),
              "00202": ("never", False), "00203": ("active", True)}
    CustomerPulse.objects.bulk_create([
        CustomerPulse(customer=c, as_of=dt.date(2025, 4, 10), lifecycle=states[c.code][0], is_new=False,
                      sales_surge=False, sales_plunge=states[c.code][1], orders_surge=False, orders_plunge=False)
        for c in Customer.objects.all()
    ])
    for user, sizes in ((manager_user, {"active": 2, "at_risk": 1, "sales_plunge": 2}),
                        (graded["sp1"].user, {"active": 1, "at_risk": 1, "sales_plunge": 1})):
        client.force_login(user)
        response = client.get("/", {"period": "2025-02"})  # a past month picked: the pulse still opens today's
        pulse, links = response.context["pulse"], response.context["pulse_links"]
        for key, url in links.items():
            assert "period=2025-03" in url
            assert len(codes(client.get(url))) == pulse[key], key
        assert {k: pulse[k] for k in sizes} == sizes
        assert f'href="{links["sales_plunge"].replace("&", "&amp;")}"' in response.content.decode()


@pytest.mark.django_db
def test_a_trend_point_opens_that_months_buying_customers(client, graded, manager_user):
    client.force_login(manager_user)
    response = client.get("/")
    for trend in response.context["trends"]:
        value = next(t for t in trend["figure"]["data"] if t.get("mode") == "lines+markers")
        assert [parse_qs(urlparse(u).query)["period"] for u in value["customdata"]] == [["2025-02"], ["2025-03"]]
    buying = next(t for t in response.context["trends"] if t["id"] == "trend-buying_customers")
    value = next(t for t in buying["figure"]["data"] if t.get("mode") == "lines+markers")
    assert [len(codes(client.get(u))) for u in value["customdata"]] == value["y"] == [3.0, 3.0]
