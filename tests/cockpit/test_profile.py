"""The customer profile: 404 for others' customers, every section's figures, logging a visit."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django import forms
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.models import CustomerSnapshot
from cockpit.forms import VisitForm
from customers.models import Visit


@pytest.mark.django_db
def test_another_salespersons_customer_is_404(client, graded):
    client.force_login(graded["sp1"].user)
    assert client.get("/customers/00101/").status_code == 200
    assert client.get("/customers/00201/").status_code == 404
    assert client.get("/customers/nope/").status_code == 404
    response = client.post("/customers/00201/visits/", {"date": "2025-03-01", "kind": "phone"})
    assert response.status_code == 404
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_regional_manager_gets_404_outside_their_regions(client, graded, south_manager):
    client.force_login(south_manager)
    assert client.get("/customers/00202/").status_code == 200
    assert client.get("/customers/00201/").status_code == 404


@pytest.mark.django_db
def test_profile_sections(client, graded, manager_user):
    client.force_login(manager_user)
    response = client.get("/customers/00101/")
    ctx = response.context
    assert ctx["latest"].grade == "B" and ctx["latest"].action == "call_what_changed"
    assert [s.period for s in ctx["history"]] == [dt.date(2025, 2, 1), dt.date(2025, 3, 1)]
    stored = CustomerSnapshot.objects.filter(code="00101").order_by("period")
    assert [(s.period, s.grade) for s in ctx["history"]] == list(stored.values_list("period", "grade"))
    assert ctx["latest"] == stored.last() and ctx["latest"].period == dt.date(2025, 3, 1)
    prefs = ctx["preferences"]
    assert [(r["name"], r["amount"], r["orders"]) for r in prefs["products_by_amount"]] == [
        ("RICE 大米", Decimal("80000.00"), 2), ("OIL 花生油", Decimal("100000.00"), 1)][::-1]
    assert [r["name"] for r in prefs["products_by_frequency"]] == ["RICE 大米", "OIL 花生油"]
    behaviour = ctx["behaviour"]
    assert behaviour["orders"] == 3
    assert behaviour["avg_order_value"] == Decimal("70000.00")
    assert behaviour["median_gap"] == (342 + 28) / 2  # 2024-03-05 -> 2025-02-10 -> 2025-03-10
    assert behaviour["days_since"] == (timezone.localdate() - dt.date(2025, 3, 10)).days
    # Receivables as of today: 210k issued, 80k paid; everything is long past due.
    assert sum(ctx["aging"].values()) == Decimal("130000.00")
    assert ctx["aging"]["current"] == Decimal("0.00")
    html = response.content.decode()
    assert "Call to find out what changed" in html or "致电了解变化原因" in html
    assert '<script id="sales-figure" type="application/json">' in html
    monthly = ctx["sales_figure"]["data"][0]
    assert monthly["x"][-2:] == ["2025-02", "2025-03"] and monthly["y"][-2:] == [120000.0, 60000.0]


@pytest.mark.django_db
def test_aging_buckets_by_days_past_due(client, graded, manager_user):
    from sales.models import Order
    from tests.factories import OrderFactory

    today = timezone.localdate()
    Order.objects.filter(customer=graded["c1"]).delete()
    for days_ago, amount in ((10, "100"), (45, "200"), (75, "300"), (100, "400"), (200, "500")):
        OrderFactory(customer=graded["c1"], order_date=today - dt.timedelta(days=days_ago), amount=Decimal(amount))
    graded["c1"].payments.all().delete()
    client.force_login(manager_user)
    aging = client.get("/customers/00101/").context["aging"]
    # credit 30 days: due 30 days after the order; 10 days ago is not due yet.
    assert aging == {"current": Decimal("100.00"), "d1_30": Decimal("200.00"), "d31_60": Decimal("300.00"),
                     "d61_90": Decimal("400.00"), "d90_plus": Decimal("500.00")}


@pytest.mark.django_db
def test_cash_customer_and_never_bought(client, graded, manager_user):
    client.force_login(manager_user)
    ctx = client.get("/customers/00202/").context
    assert ctx["aging"] is None
    assert ctx["behaviour"] == {"orders": 0}
    assert ctx["latest"].override_active and ctx["latest"].computed_grade == "D"


@pytest.mark.django_db
def test_log_a_visit_with_htmx_returns_the_timeline(client, graded):
    client.force_login(graded["sp1"].user)
    today = timezone.localdate()
    response = client.post("/customers/00101/visits/", {
        "date": today.isoformat(), "kind": "phone", "note": "问了补货",
        "next_date": (today + dt.timedelta(days=7)).isoformat(),
    }, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<section id="visits"') and "问了补货" in html
    visit = Visit.objects.get()
    assert (visit.customer.code, visit.kind, visit.salesperson, visit.logged_by) == (
        "00101", "phone", graded["sp1"], graded["sp1"].user)
    graded["c1"].refresh_from_db()
    assert graded["c1"].last_visit_date == today


@pytest.mark.django_db
def test_visit_errors_in_plain_words(client, graded):
    client.force_login(graded["sp1"].user)
    today = timezone.localdate()
    response = client.post("/customers/00101/visits/", {
        "date": today.isoformat(), "kind": "phone", "next_date": (today - dt.timedelta(days=1)).isoformat(),
        "note": "没人接",
    }, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx 2 swaps only 2xx: the form comes back with its error
    assert response.context["visit_form"].errors == {"next_date": ["下次跟进日期不能早于拜访日期。"]}  # zh-hans default
    assert not Visit.objects.exists()
    plain = client.post("/customers/00101/visits/", {"date": "", "kind": "phone", "note": "没人接"})
    assert plain.status_code == 400
    ok = client.post("/customers/00101/visits/", {"date": today.isoformat(), "kind": "onsite", "note": "没人接"})
    assert ok.status_code == 302 and ok["Location"] == "/customers/00101/"


@pytest.mark.django_db
@pytest.mark.parametrize("note", ["", "  \n "])
def test_a_visit_needs_an_outcome(client, graded, note):
    client.force_login(graded["sp1"].user)
    today = timezone.localdate()
    response = client.post("/customers/00101/visits/", {"date": today.isoformat(), "kind": "phone", "note": note},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.context["visit_form"].errors == {"note": ["请填写拜访结果：谈了什么、约定了什么或下了什么单。"]}
    assert " required" in re.search(r'<textarea[^>]*name="note"[^>]*>', response.content.decode()).group(0)
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_a_visit_logged_by_a_manager_says_so(client, graded, manager_user):
    manager_user.first_name = "总经理"
    manager_user.save()
    client.force_login(manager_user)
    today = timezone.localdate()
    response = client.post("/customers/00101/visits/", {"date": today.isoformat(), "kind": "phone",
                                                         "note": "催了回款"}, HTTP_HX_REQUEST="true")
    visit = Visit.objects.get()
    assert (visit.salesperson, visit.logged_by) == (graded["sp1"], manager_user)  # filed under the owner
    html = response.content.decode()
    assert f'<span class="muted">{graded["sp1"].name} · 由总经理记录</span>' in html
    # the owner's own visit names only them; an imported one without a note says so
    Visit.objects.create(customer=graded["c1"], salesperson=graded["sp1"], date=today, kind="onsite", note="谈新品",
                         logged_by=graded["sp1"].user)
    Visit.objects.create(customer=graded["c1"], salesperson=graded["sp1"], date=today - dt.timedelta(days=1),
                         kind="onsite", note="")
    client.cookies["django_language"] = "en"
    english = client.get("/customers/00101/").content.decode()
    assert english.count("logged by") == 1 and f'{graded["sp1"].name} · logged by 总经理' in english
    assert english.count("No outcome recorded.") == 1


@pytest.mark.django_db
def test_coupons_received_are_listed(client, graded, manager_user):
    from coupons.models import Campaign, CouponIssue

    campaign = Campaign.objects.create(name="春季满减", value=Decimal("50"), valid_from=dt.date(2025, 3, 1),
                                       valid_to=dt.date(2025, 3, 31))
    later = Campaign.objects.create(name="<清明>", value=Decimal("20"), valid_from=dt.date(2025, 3, 1),
                                    valid_to=dt.date(2025, 4, 30))
    shanghai = dt.timezone(dt.timedelta(hours=8))
    issues = (("ABC123", dt.datetime(2025, 3, 2, 0, 30, tzinfo=shanghai), "queued", campaign),
              ("XYZ789", dt.datetime(2025, 3, 9, 23, 59, tzinfo=shanghai), "delivered", later))
    for code, queued, status, sent_in in issues:
        CouponIssue.objects.create(campaign=sent_in, customer=graded["c1"], code=code, mobile="+8613800138001",
                                   message="...", send_day=queued.date(), queued_at=queued, status=status)
    client.force_login(manager_user)
    html = client.get("/customers/00101/").content.decode()
    # Newest first; the day is Shanghai's (00:30 on 2 March is 1 March in UTC), the status in the user's words.
    assert ("<tbody><tr><td>2025-03-09</td><td>&lt;清明&gt;</td><td>XYZ789</td><td>已送达</td></tr>"
            "<tr><td>2025-03-02</td><td>春季满减</td><td>ABC123</td><td>排队中</td></tr></tbody>") in html


@pytest.mark.django_db
def test_visit_timeline_newest_first_with_the_rest_folded(client, graded):
    sp = graded["sp1"]
    for day in range(1, 13):  # 12 visits: 10 shown, 2 folded under "2 earlier visits"
        Visit.objects.create(customer=graded["c1"], salesperson=sp if day % 2 else None, date=dt.date(2025, 3, day),
                             kind="phone" if day == 12 else "onsite", note=f"<b>第{day}次</b>" if day == 12 else "",
                             next_date=dt.date(2025, 4, 1) if day == 12 else None)
    client.force_login(sp.user)
    html = client.get("/customers/00101/").content.decode()
    timeline = html[html.index('<ol class="timeline">'):html.index("</section>", html.index('id="visits"'))]
    assert re.findall(r'<time datetime="([\d-]+)">', timeline) == [f"2025-03-{d:02d}" for d in range(12, 0, -1)]
    first = timeline[:timeline.index("</li>")]
    assert '<span class="chip">电话</span>' in first and '<span class="muted"></span>' in first
    assert "<p>&lt;b&gt;第12次&lt;/b&gt;</p>" in first and "下次跟进：2025-04-01" in first
    assert f'<span class="chip">上门</span>\n      <span class="muted">{sp.name}</span>' in timeline
    assert timeline.count("<li>") == 12 and "<summary>更早的 2 次拜访</summary>" in timeline
    assert timeline.index("<summary>") > timeline.index('datetime="2025-03-03"')
    Visit.objects.filter(date=dt.date(2025, 3, 1)).delete()
    client.cookies["django_language"] = "en"
    english = client.get("/customers/00101/").content.decode()
    assert "<summary>1 earlier visit</summary>" in english and "Next follow-up: 2025-04-01" in english
    assert '<span class="chip">Phone</span>' in english


dates = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2024, 12, 31))


@settings(max_examples=300, deadline=None)
@given(
    orders=st.lists(st.tuples(dates, st.integers(min_value=-50_000, max_value=200_000)), max_size=25),
    payments=st.lists(st.tuples(dates, st.integers(min_value=1, max_value=200_000)), max_size=10),
    terms=st.sampled_from([1, 15, 30, 45, 90]), as_of=dates,
)
def test_plain_aging_is_the_engines_aging_for_one_customer(orders, payments, terms, as_of):
    """The profile's plain-Python aging gives exactly the engine's buckets (oldest-first, docs/analytics.md §2)."""
    import pandas as pd

    from analytics.engine.receivables import AGING_BUCKETS, aging_buckets
    from cockpit.selectors.profile import aging_fen

    seen = [(d, a) for d, a in orders if d <= as_of]
    paid = [(d, a) for d, a in payments if d <= as_of]
    rec = pd.DataFrame([(1, d, pd.Timestamp(d) + pd.Timedelta(days=terms), a) for d, a in seen if a > 0],
                       columns=["customer_id", "issue_date", "due_date", "amount_fen"])
    pay = pd.DataFrame([(1, d, -a) for d, a in seen if a < 0] + [(1, d, a) for d, a in paid],
                       columns=["customer_id", "date", "amount_fen"])
    expected = dict.fromkeys(AGING_BUCKETS, 0)
    if not rec.empty:
        expected.update({b: int(v) for b, v in aging_buckets(rec, pay, as_of).loc[1].items()})
    got = aging_fen([(d + dt.timedelta(days=terms), d, a) for d, a in seen if a > 0],
                    sum(-a for _d, a in seen if a < 0) + sum(a for _d, a in paid), as_of)
    assert got == expected


class StockVisitForm(VisitForm):
    """The visit form with Django's own template-rendered widgets, to hold the written-out ones to."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, stock in (("date", forms.DateInput), ("next_date", forms.DateInput), ("kind", forms.Select)):
            ours = self.fields[name].widget
            if stock is forms.DateInput:  # Input.__init__ took the type out of the attrs
                widget = stock(attrs={**ours.attrs, "type": ours.input_type}, format=ours.format)
            else:
                widget = stock(attrs=ours.attrs, choices=ours.choices)
            self.fields[name].widget = widget


@pytest.mark.parametrize("data", [None, {"date": "2999-01-01", "kind": "call", "note": "<b>x</b>", "next_date": "x"},
                                  {"date": "2026-03-02", "kind": "nonsense", "next_date": "2026-03-01"}])
def test_visit_form_writes_what_djangos_widgets_write(data):
    with translation.override("en"):
        assert str(VisitForm(data)) == str(StockVisitForm(data))
        assert "<select" in str(VisitForm(data)) and 'type="date"' in str(VisitForm(data))


@pytest.mark.django_db
def test_the_cached_timeline_follows_every_change_and_the_language(client, graded):
    sp = graded["sp1"]
    visit = Visit.objects.create(customer=graded["c1"], salesperson=sp, date=dt.date(2025, 3, 1), kind="phone",
                                 note="第一次")
    client.force_login(sp.user)
    assert "第一次" in client.get("/customers/00101/").content.decode()
    Visit.objects.filter(pk=visit.pk).update(note="改过了")  # an edit in the back office or a re-import
    page = client.get("/customers/00101/").content.decode()
    assert "改过了" in page and "第一次" not in page
    client.cookies["django_language"] = "en"
    assert '<span class="chip">Phone</span>' in client.get("/customers/00101/").content.decode()
    Visit.objects.filter(pk=visit.pk).delete()
    assert "改过了" not in client.get("/customers/00101/").content.decode()


@pytest.mark.django_db
def test_an_override_says_its_arrow_compares_computed_grades(client, graded, manager_user):
    from django.utils import translation

    from analytics.models import CustomerSnapshot

    client.force_login(manager_user)
    latest = client.get("/customers/00202/").context["latest"]
    CustomerSnapshot.objects.filter(pk=latest.pk).update(previous_grade="B", movement="down")
    with translation.override("en"):
        html = client.get("/customers/00202/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    facts = html.split('class="facts"', 1)[1].split("</p>", 1)[0]
    assert f"computed grade B last month, {latest.computed_grade} now" in facts
    assert "previous grade" not in facts  # beside an override, "previous B" would read as the shown grade's past
