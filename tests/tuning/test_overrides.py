"""Manual grade overrides: validation, precedence over the computed grade, expiry after `until`, audit, at once."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from analytics.models import CustomerSnapshot, StalePeriod
from analytics.services.policies import policy_set
from analytics.services.snapshots import snapshot_compute
from customers.models import AuditLog
from customers.services_admin import AdminError, customer_override_clear, customer_override_set
from customers.services_admin import overrides as overrides_module

from .conftest import P, order

APRIL = dt.date(2025, 4, 1)


def snap(code, period):
    return CustomerSnapshot.objects.filter(period=period, code=code).values_list(
        "grade", "computed_grade", "override_active").get()


@pytest.fixture
def on_march_first(monkeypatch):
    """The business day is 2025-03-01, so an override may end in March 2025."""
    monkeypatch.setattr(overrides_module, "today", lambda: dt.date(2025, 3, 1))


@pytest.mark.django_db
@pytest.mark.parametrize(("grade", "reason", "until", "message"), [
    ("E", "x", dt.date(2099, 1, 1), "grade: must be one of A, B, C, D"),
    ("A", "  ", dt.date(2099, 1, 1), "reason: required"),
    ("A", "x", None, "until: required"),
    ("A", "x", dt.date(2000, 1, 1), "until: must not be in the past"),
])
def test_override_validation(book, admin_user, grade, reason, until, message):
    with pytest.raises(AdminError) as exc:
        customer_override_set(customer=book["c1"], grade=grade, reason=reason, until=until, by=admin_user)
    assert str(exc.value) == message
    book["c1"].refresh_from_db()
    assert book["c1"].override_grade == ""


@pytest.mark.django_db
def test_until_today_is_allowed(book, admin_user):
    today = timezone.localdate()
    customer_override_set(customer=book["c1"], grade="B", reason="试用", until=today, by=admin_user)
    book["c1"].refresh_from_db()
    assert (book["c1"].override_grade, book["c1"].override_until, book["c1"].override_by) == ("B", today, admin_user)


@pytest.mark.django_db
def test_override_takes_precedence_until_its_end_date_then_expires(graded, admin_user, on_march_first):
    policy_set(data={"method": "fixed_amount", "fixed_amount": {"a": 15000, "b": 8000, "c": 2000}})
    big = graded["c3"]  # 15,000 in March: A by its sales
    order(big, dt.date(2025, 4, 3), "16000.00")
    customer_override_set(customer=big, grade="C", reason="回款风险", until=dt.date(2025, 3, 31), by=admin_user)
    snapshot_compute(period=P)
    snapshot_compute(period=APRIL)
    assert snap(big.code, P) == ("C", "A", True)  # T = 03-31 <= until (inclusive)
    assert snap(big.code, APRIL) == ("A", "A", False)  # T = 04-30 > until: expired by itself
    customer_override_set(customer=big, grade="C", reason="回款风险", until=dt.date(2025, 3, 30), by=admin_user)
    snapshot_compute(period=P)
    assert snap(big.code, P) == ("A", "A", False)


@pytest.mark.django_db
def test_changes_are_audited_and_the_periods_they_changed_named(graded, admin_user, on_march_first):
    policy_set(data={"method": "fixed_amount", "fixed_amount": {"a": 15000, "b": 8000, "c": 2000}})
    big = graded["c3"]
    snapshot_compute(period=P)
    customer_override_set(customer=big, grade="A", reason="same as computed", until=dt.date(2025, 12, 31),
                          by=admin_user)
    assert snap(big.code, P) == ("A", "A", False)  # the stored grade is already A: nothing changes
    customer_override_set(customer=big, grade="B", reason="降级观察", until=dt.date(2025, 12, 31), by=admin_user)
    assert snap(big.code, P) == ("B", "A", True)  # at once, no recompute
    customer_override_clear(customer=big, by=admin_user, reason="恢复")
    assert snap(big.code, P) == ("A", "A", False)
    assert not StalePeriod.objects.exists()
    big.refresh_from_db()
    assert (big.override_grade, big.override_reason, big.override_until) == ("", "", None)
    logs = list(AuditLog.objects.filter(target=f"customer:{big.code}").order_by("id").values_list("action", "details"))
    assert [a for a, _ in logs] == ["override_set", "override_set", "override_clear"]
    assert [d["periods"] for _, d in logs] == [[], ["2025-03"], ["2025-03"]]
    assert logs[1][1]["before"] == {"grade": "A", "reason": "same as computed", "until": "2025-12-31"}
    assert logs[1][1]["after"] == {"grade": "B", "reason": "降级观察", "until": "2025-12-31"}
    assert logs[2][1]["before"]["grade"] == "B"


def future(days=30):
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


@pytest.mark.django_db
def test_override_partial_for_htmx_and_full_page(book, admin_client):
    url = f"/settings/customers/{book['c1'].code}/override/"
    partial = admin_client.get(url, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    text = partial.content.decode()
    assert text.lstrip().startswith('<div id="override-panel"') and "<html" not in text
    assert "<html" in admin_client.get(url).content.decode()
    # No override yet: no grade is picked for the user (grade A preselected was one click from an override).
    assert re.search(r'<option value=""[^>]*selected', text) and not re.search(r'<option value="A"[^>]*selected', text)
    blank = admin_client.post(url, {"grade": "", "reason": "x", "until": future()}, HTTP_HX_REQUEST="true")
    assert 'id="id_grade-errors"><li>' in blank.content.decode()
    bad = admin_client.post(url, {"grade": "A", "reason": "", "until": future()}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and 'id="id_reason-errors"><li>' in bad.content.decode()
    assert admin_client.post(url, {"grade": "A", "reason": "", "until": future()}).status_code == 400
    past = admin_client.post(url, {"grade": "A", "reason": "x", "until": "2020-01-01"}, HTTP_HX_REQUEST="true")
    assert "id_until-errors\"><li>" in past.content.decode()
    ok = admin_client.post(url, {"grade": "A", "reason": "新店潜力", "until": future()}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and 'id="override-current"><span class="override">' in ok.content.decode()
    book["c1"].refresh_from_db()
    assert book["c1"].override_grade == "A"
    cleared = admin_client.post(f"{url}clear/", HTTP_HX_REQUEST="true")
    assert cleared.status_code == 200
    book["c1"].refresh_from_db()
    assert book["c1"].override_grade == ""


@pytest.mark.django_db
def test_override_api_set_read_clear(book, south_manager):
    api = APIClient()
    api.force_authenticate(south_manager)
    url = f"/api/v1/customer-overrides/{book['c1'].code}/"
    put = api.put(url, {"grade": "B", "reason": "区域经理判断", "until": future()}, format="json")
    assert put.status_code == 200, put.content
    assert put.json() == {"code": "00101", "grade": "B", "reason": "区域经理判断", "until": future(),
                          "by": "south_mgr"}
    assert api.get(url).json()["grade"] == "B"
    bad = api.put(url, {"grade": "B", "reason": "x", "until": "2020-01-01"}, format="json")
    assert bad.status_code == 400 and bad.json() == {"until": ["must not be in the past"]}
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404  # no override: the resource is gone
    assert api.delete(url).status_code == 404
    outside = f"/api/v1/customer-overrides/{book['c3'].code}/"  # 北京: not the south manager's
    assert api.put(outside, {"grade": "B", "reason": "x", "until": future()}, format="json").status_code == 404


# Issue 16 defect 3: an override shows at once wherever the effective grade is shown, and the stored rows are then
# exactly those of a full recompute.
FEB = dt.date(2025, 2, 1)
SNAP_FIELDS = [f.attname for f in CustomerSnapshot._meta.fields if f.name != "id"]


def table():
    """Both periods' whole tables (every column but the id) and their summaries' figures."""
    from analytics.models import PeriodSummary

    rows = {(r["period"], r["customer_id"]): r for r in CustomerSnapshot.objects.values(*SNAP_FIELDS)}
    return rows, {s.period: s.data for s in PeriodSummary.objects.all()}


def shown(client, code):
    """The grade and action of `code` as every reader shows it: profile, list, tabs, export, API, dashboard."""
    import csv
    import io

    profile = client.get(f"/customers/{code}/").context["latest"]
    listed = client.get("/customers/", {"period": "2025-03", "q": code}).context
    export = client.get("/customers/export.csv", {"period": "2025-03", "q": code}).content.decode("utf-8-sig")
    exported = {r["customer_code"]: r for r in csv.DictReader(io.StringIO(export))}[code]
    api = client.get("/api/v1/snapshots/", {"period": "2025-03", "search": code}).json()["results"]
    return {
        "profile": (profile.grade, profile.action), "list": [(r.code, r.grade) for r in listed["page"].object_list],
        "export": exported["grade"], "api": [(r["code"], r["grade"], r["action"]) for r in api],
    }


def counts(client):
    """Grade tab counts of the whole list and the dashboard's customers per grade (both cached by the pages)."""
    tabs = client.get("/customers/", {"period": "2025-03"}).context["grade_counts"]
    dashboard = {g["grade"]: g["customers"] for g in client.get("/", {"period": "2025-03"}).context["grades"]}
    return tabs, dashboard


@pytest.mark.django_db
def test_override_shows_at_once_and_equals_a_recompute_and_so_does_its_removal(graded, client, manager_user):
    snapshot_compute(period=FEB)
    snapshot_compute(period=P)
    row = CustomerSnapshot.objects.filter(period=P, grade="A", action="keep").order_by("code").first()
    assert row is not None
    code = row.code
    client.force_login(manager_user)  # a manager: no recompute rights, and needs none
    tabs, dashboard = counts(client)  # computed once and cached under the rows' version
    assert shown(client, code)["profile"] == ("A", "keep")
    url = f"/settings/customers/{code}/override/"
    answer = client.post(url, {"grade": "D", "reason": "回款风险", "until": future()}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and answer["HX-Refresh"] == "true"  # the profile reloads with the grade
    assert shown(client, code) == {"profile": ("D", "promote"), "list": [(code, "D")], "export": "D",
                                   "api": [(code, "D", "promote")]}
    assert counts(client) == ({**tabs, "A": tabs["A"] - 1, "D": tabs.get("D", 0) + 1},
                              {**dashboard, "A": dashboard["A"] - 1, "D": dashboard["D"] + 1})
    assert client.get("/customers/", {"period": "2025-03", "override_active": "true"}).status_code == 200
    assert CustomerSnapshot.objects.get(period=FEB, code=code).grade == "D"  # no start date: earlier months too
    assert not StalePeriod.objects.exists()  # nothing left to recompute
    after_override = table()
    snapshot_compute(period=FEB)
    snapshot_compute(period=P)
    assert table() == after_override  # the very rows and figures a full recompute gives
    cleared = client.post(f"{url}clear/", HTTP_HX_REQUEST="true")
    assert cleared.status_code == 200 and cleared["HX-Refresh"] == "true"
    assert shown(client, code) == {"profile": ("A", "keep"), "list": [(code, "A")], "export": "A",
                                   "api": [(code, "A", "keep")]}
    assert counts(client) == (tabs, dashboard)
    after_clear = table()
    snapshot_compute(period=FEB)
    snapshot_compute(period=P)
    assert table() == after_clear


@pytest.mark.django_db
def test_an_override_that_ended_leaves_the_later_months_alone(graded, admin_user, on_march_first):
    snapshot_compute(period=FEB)
    snapshot_compute(period=P)
    snapshot_compute(period=APRIL)
    row = CustomerSnapshot.objects.filter(period=P, grade="A").order_by("code").first()
    customer = row.customer
    customer_override_set(customer=customer, grade="C", reason="观察", until=dt.date(2025, 3, 31), by=admin_user)
    grades = dict(CustomerSnapshot.objects.filter(customer=customer).values_list("period", "grade"))
    april = CustomerSnapshot.objects.get(period=APRIL, customer=customer)
    assert grades[FEB] == grades[P] == "C" and grades[APRIL] == april.computed_grade
    before = table()
    for period in (FEB, P, APRIL):
        snapshot_compute(period=period)
    assert table() == before


@pytest.mark.django_db
def test_the_back_office_cannot_bypass_the_override_service(graded, client, admin_user):
    """The admin's customer form shows the override read-only: a bare field edit would leave the periods stale."""
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    customer = graded["c1"]
    page = client.get(f"/admin/customers/customer/{customer.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert not {"override_grade", "override_reason", "override_until"} & set(form.fields)
