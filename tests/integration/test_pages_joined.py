"""The joined product: one top nav and one htmx on every page, the profile's override, reassign, churn risk and
cross-sell, the list's churn column, audited exports and the dashboard's pulse empty state."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics.churn import services as churn_services
from analytics.models import ChurnModel, CustomerSnapshot
from customers.models import AuditLog, Customer
from tests.cockpit.conftest import P

NAV = re.compile(r'<nav class="main-nav"[^>]*>(.*?)</nav>', re.S)
HTMX = re.compile(r'<script src="[^"]*htmx[^"]*"')


def main_nav(html: str) -> tuple[list[str], list[str]]:
    """(hrefs of the main nav, hrefs marked aria-current) of a page; exactly one main nav."""
    navs = NAV.findall(html)
    assert len(navs) == 1, "one top nav"
    links = re.findall(r'<a href="([^"]+)"([^>]*)>', navs[0])
    return [h for h, _ in links], [h for h, attrs in links if 'aria-current="page"' in attrs]


PAGES = [
    ("/", "/"), ("/customers/", "/customers/"), ("/customers/?grade=B", "/customers/"),
    ("/customers/00101/", "/customers/"), ("/worklist/", "/worklist/"), ("/coupons/", "/coupons/"),
    ("/coupons/send/?codes=00101", "/coupons/"), ("/settings/", "/settings/"), ("/settings/reassign/", "/settings/"),
    ("/settings/customers/00101/override/", "/settings/"),
]


@pytest.mark.django_db
def test_one_nav_and_one_htmx_on_every_page(client, graded, manager_user, campaign):
    client.force_login(manager_user)
    for url, active in PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        links, current = main_nav(html)
        assert links[:5] == ["/", "/customers/", "/worklist/", "/coupons/", "/settings/"], url
        assert current == [active], url
        assert len(HTMX.findall(html)) == 1, url
        assert "vendor/htmx-2.0.10/htmx.min.js" in html and "django_htmx/htmx" not in html, url


@pytest.mark.django_db
def test_salesperson_nav_has_no_settings(client, graded, campaign):
    client.force_login(graded["sp1"].user)
    for url in ("/", "/customers/", "/worklist/", "/coupons/"):
        links, current = main_nav(client.get(url).content.decode())
        assert links == ["/", "/customers/", "/worklist/", "/coupons/"], url
        assert current == [url]


@pytest.mark.django_db
def test_login_page_has_no_nav_but_loads_htmx_once(client):
    html = client.get("/accounts/login/").content.decode()
    assert not NAV.findall(html) and len(HTMX.findall(html)) == 1


# Profile: the override partial and the reassign link for managers.

@pytest.mark.django_db
def test_profile_override_partial_renders_and_saves_with_htmx(client, graded, manager_user):
    client.force_login(manager_user)
    page = client.get("/customers/00101/").content.decode()
    assert ('<section class="card" id="override" hx-get="/settings/customers/00101/override/" hx-trigger="load" '
            'hx-swap="innerHTML">') in page
    assert 'href="/settings/reassign/?codes=00101"' in page
    partial = client.get("/settings/customers/00101/override/", HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert html.startswith('<div id="override-panel"') and "<html" not in html and "<link" not in html
    assert 'hx-post="/settings/customers/00101/override/"' in html and 'hx-target="#override-panel"' in html
    until = timezone.localdate() + dt.timedelta(days=30)
    saved = client.post("/settings/customers/00101/override/", {"grade": "A", "reason": "key account",
                                                                 "until": until.isoformat()},
                        HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and 'id="override-panel"' in saved.content.decode()
    customer = Customer.objects.get(code="00101")
    assert (customer.override_grade, customer.override_reason, customer.override_until) == ("A", "key account",
                                                                                            until)
    reassign = client.get("/settings/reassign/?codes=00101").content.decode()
    assert "00101" in reassign


@pytest.mark.django_db
def test_salesperson_profile_has_no_override_nor_reassign(client, graded):
    client.force_login(graded["sp1"].user)
    page = client.get("/customers/00101/").content.decode()
    assert 'id="override"' not in page and "/settings/reassign/" not in page
    assert client.get("/settings/customers/00101/override/", HTTP_HX_REQUEST="true").status_code in (403, 404)


# Profile: cross-sell.

@pytest.mark.django_db
def test_crosssell_card_loads_with_htmx_with_reasons_and_empty_state(client, graded, manager_user):
    client.force_login(manager_user)
    client.cookies["django_language"] = "en"
    page = client.get("/customers/00102/").content.decode()
    assert 'id="crosssell"' in page and 'hx-get="?part=crosssell" hx-trigger="load"' in page
    card = client.get("/customers/00102/?part=crosssell", HTTP_HX_REQUEST="true")
    html = card.content.decode()
    assert html.startswith('<section class="card" id="crosssell"') and "<html" not in html
    assert "Customers like this also buy" in html
    # 00102 has no order lines: the popular products and categories stand in, and the reason says so.
    level, _title, suggestions = card.context["crosssell"][0]
    products = {s.code: s.reason for s in suggestions}
    assert level == "product"
    assert set(products) == {"OIL", "RICE"}
    assert all("popular" in reason for reason in products.values()) and "popular" in html
    # 00101 already buys both products: nothing to suggest, an empty state says so.
    empty = client.get("/customers/00101/?part=crosssell", HTTP_HX_REQUEST="true").content.decode()
    assert "No suggestion yet" in empty
    # Without htmx, the link gives the whole page with the card filled in.
    full = client.get("/customers/00102/?part=crosssell").content.decode()
    assert "<html" in full and "花生油" in full


@pytest.mark.django_db
def test_crosssell_is_scoped(client, graded):
    client.force_login(graded["sp1"].user)
    assert client.get("/customers/00201/?part=crosssell", HTTP_HX_REQUEST="true").status_code == 404


# Churn risk: where the model wins (scores stored for the period), else days since last order.

@pytest.fixture
def explain_calls(monkeypatch):
    """Pages read the risk and its reasons stored on the rows: running the model on a page view is a failure.

    Returns the calls a page made to score customers itself (always empty when the pages behave)."""
    calls: list[list[int]] = []

    def scoring(*, as_of, customer_ids, top=3):
        calls.append(list(customer_ids))
        raise AssertionError("a page ran the churn model instead of reading the stored scores")

    monkeypatch.setattr(churn_services, "churn_risk_scores", scoring)
    return calls


REASONS = "long_since_last_order buying_less"


def score(code: str, risk: float, reasons: str = REASONS) -> None:
    CustomerSnapshot.objects.filter(period=P, code=code).update(churn_risk=risk, churn_reasons=reasons)


@pytest.mark.django_db
@pytest.mark.parametrize("trained", [False, True])
def test_no_winning_model_shows_days_since_and_says_why(client, graded, manager_user, trained):
    """A fresh install has no model yet (the fill trains it last); a trained one that does not beat the simple
    rankings is not used. Either way the pages show days since the last order, and say which it is."""
    if trained:
        ChurnModel.objects.create(as_of=dt.date(2025, 2, 28), horizon_days=90, metrics={}, beats_baseline=False)
    client.force_login(manager_user)
    client.cookies["django_language"] = "en"
    listing = client.get("/customers/")
    html = listing.content.decode()
    assert not listing.context["churn_scored"]
    assert [h["key"] for h in listing.context["headers"]].count("days_since") == 1
    assert "churn_risk" not in [h["key"] for h in listing.context["headers"]]
    assert 'id="churn-note"' in html
    assert ("the model is not used" in html) is trained
    assert ("no churn model has been trained yet" in html) is not trained
    assert 'name="churn_min"' not in html and 'name="days_since_min"' in html
    profile = client.get("/customers/00101/").content.decode()
    assert 'id="churn-not-used"' in profile and "days since the last order" in profile
    assert ("The churn-risk model is not used" in profile) is trained
    assert ("No churn model has been trained yet" in profile) is not trained


@pytest.mark.django_db
def test_list_churn_column_sorts_filters_and_shows_the_stored_reasons(client, graded, manager_user, explain_calls):
    score("00101", 0.42)
    score("00102", 0.1)
    score("00203", 0.75)
    client.force_login(manager_user)
    client.cookies["django_language"] = "en"
    listing = client.get("/customers/?sort=-churn_risk")
    html = listing.content.decode()
    assert listing.context["churn_scored"]
    keys = [h["key"] for h in listing.context["headers"]]
    assert "churn_risk" in keys and "days_since" not in keys
    assert [r.code for r in listing.context["page"].object_list][:3] == ["00203", "00101", "00102"]
    assert "42%" in html and "75%" in html and "long since the last order" in html
    assert 'name="churn_min"' in html and 'id="churn-note"' not in html
    assert explain_calls == []  # read from the rows, not a model run per page
    # Each scored row shows its own stored reasons, the whole text also in the title.
    assert html.count('title="long since the last order; buying less than over the year"') == 3
    filtered = client.get("/customers/?churn_min=40")
    assert {r.code for r in filtered.context["page"].object_list} == {"00101", "00203"}


@pytest.mark.django_db
def test_profile_shows_risk_percentage_and_translated_reasons(client, graded, manager_user, explain_calls):
    score("00101", 0.42)
    client.force_login(manager_user)
    client.cookies["django_language"] = "en"
    html = client.get("/customers/00101/").content.decode()
    assert "42%" in html
    assert '<li data-reason="long_since_last_order">long since the last order</li>' in html
    assert explain_calls == []
    client.cookies["django_language"] = "zh-hans"
    zh = client.get("/customers/00101/").content.decode()
    assert "long since the last order" not in zh  # the reason labels are translated
    # A customer outside the scored population (never ordered) in a scored period: no score, and why.
    other = client.get("/customers/00202/").content.decode()
    assert 'id="churn-not-used"' not in other and "42%" not in other


# Exports are audited.

@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_list_export_is_audited(client, graded, fmt):
    user = graded["sp1"].user
    client.force_login(user)
    response = client.get(f"/customers/export.{fmt}?grade=A&grade=B&sort=-sales")
    assert response.status_code == 200
    entry = AuditLog.objects.get(action="export")
    assert entry.user == user and entry.target == "customers"
    assert entry.details["filter"] == "grade=A&grade=B&sort=-sales"
    assert entry.details["rows"] == 2 and entry.details["format"] == fmt
    client.get(f"/customers/export.{fmt}?q=nobody")
    assert AuditLog.objects.filter(action="export").latest("id").details["rows"] == 0


@pytest.mark.django_db
def test_export_snapshot_command_is_audited(graded, tmp_path):
    out = tmp_path / "march.csv"
    call_command("export_snapshot", "--period", "2025-03", "--out", str(out))
    entry = AuditLog.objects.get(action="export")
    assert entry.user is None and entry.details["period"] == "2025-03"
    assert entry.details["rows"] == 5 and entry.details["format"] == "csv"


# Dashboard.

@pytest.mark.django_db
def test_pulse_empty_state_names_the_command(client, graded, manager_user):
    client.force_login(manager_user)
    html = client.get("/").content.decode()
    assert "manage.py compute_pulse" in html


@pytest.mark.django_db
def test_a_month_scored_by_a_later_model_says_it_is_hindsight(client, graded, manager_user):
    """The earliest model scores the months before it (so every month shows a risk); the list says so."""
    score("00101", 0.42)
    later = ChurnModel.objects.create(as_of=dt.date(2025, 11, 30), horizon_days=90, metrics={}, beats_baseline=True)
    client.force_login(manager_user)
    client.cookies["django_language"] = "en"
    html = client.get("/customers/").content.decode()
    assert 'id="churn-hindsight"' in html and "a model trained later (as of 2025-11-30)" in html
    ChurnModel.objects.filter(pk=later.pk).update(as_of=P.replace(day=28))  # trained as of the month's end or before
    assert 'id="churn-hindsight"' not in client.get("/customers/").content.decode()
