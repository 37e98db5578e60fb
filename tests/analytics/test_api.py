"""Snapshot, period, run and policy endpoints: filters, ordering, scoping and role checks."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from analytics.api import SnapshotSerializer
from analytics.services.snapshots import snapshot_compute
from tests.factories import OrderFactory

P = dt.date(2025, 3, 1)


@pytest.fixture
def computed(book):
    amounts = {"c1": "500.00", "c2": "90000.00", "c3": "120000.00", "c4": "20.00"}
    for key, amount in amounts.items():
        OrderFactory(customer=book[key], order_date=dt.date(2025, 3, 10), amount=Decimal(amount), cost=Decimal("0"))
    OrderFactory(customer=book["c2"], order_date=dt.date(2025, 2, 10), amount=Decimal("200000.00"),
                 cost=Decimal("0"))
    snapshot_compute(period=P)
    return book


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def codes(response):
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


@pytest.mark.django_db
def test_salesperson_sees_only_own_snapshot_rows_and_404_for_others(computed):
    api = api_for(computed["sp1"].user)
    assert codes(api.get("/api/v1/snapshots/")) == ["00101", "00102"]
    assert api.get("/api/v1/snapshots/00201/").status_code == 404
    assert codes(api.get("/api/v1/snapshots/?search=朝阳")) == []
    assert codes(api.get("/api/v1/snapshots/?salesperson=李四")) == []


@pytest.mark.django_db
def test_filters_and_ordering(computed, admin_user):
    api = api_for(admin_user)
    # cumulative share of 210,520: 00201 (120k) is A; 00102 (90k) crosses 80% -> B; the rest C.
    assert codes(api.get("/api/v1/snapshots/?ordering=-sales")) == ["00201", "00102", "00101", "00202"]
    assert codes(api.get("/api/v1/snapshots/?grade=A")) == ["00201"]
    assert codes(api.get("/api/v1/snapshots/?grade=B&grade=C")) == ["00101", "00102", "00202"]
    assert codes(api.get("/api/v1/snapshots/?previous_grade=A")) == ["00102"]
    assert codes(api.get("/api/v1/snapshots/?movement=down")) == ["00102"]
    assert codes(api.get("/api/v1/snapshots/?region=广东")) == ["00101", "00102", "00202"]
    assert codes(api.get("/api/v1/snapshots/?period=2025-03&lifecycle=active&is_new=true")) == [
        "00101", "00201", "00202"
    ]
    assert codes(api.get("/api/v1/snapshots/?period=2024-01")) == []
    row = api.get("/api/v1/snapshots/00102/").json()
    assert (row["grade"], row["previous_grade"], row["movement"], row["sales"]) == ("B", "A", "down", "90000.00")
    assert row["mom_growth"] == pytest.approx(-0.55)
    assert (row["churn_risk"], row["churn_reasons"]) == (None, [])  # no winning model: neither
    from analytics.models import CustomerSnapshot

    CustomerSnapshot.objects.filter(code="00102").update(churn_risk=0.61, churn_reasons="gaps_growing buying_less")
    row = api.get("/api/v1/snapshots/00102/").json()
    assert (row["churn_risk"], row["churn_reasons"]) == (0.61, ["gaps_growing", "buying_less"])


@pytest.mark.django_db
def test_snapshot_page_reads_its_joined_columns_in_one_query_whatever_its_length(computed, admin_user):
    api = api_for(admin_user)
    api.get("/api/v1/snapshots/")  # the user's role is read once per client
    with CaptureQueriesContext(connection) as one:
        rows = api.get("/api/v1/snapshots/?grade=A").json()["results"]
    with CaptureQueriesContext(connection) as four:
        many = api.get("/api/v1/snapshots/?ordering=-sales").json()["results"]
    assert (len(rows), len(many)) == (1, 4) and len(one) == len(four)  # no query per row for a deferred column
    c3 = computed["c3"]
    assert (many[0]["customer_name"], many[0]["region"], many[0]["salesperson"]) == (
        c3.name, c3.region.path, c3.owner.name)


def test_snapshot_serializers_get_their_own_fields():
    first, second = SnapshotSerializer().fields, SnapshotSerializer().fields
    assert list(first) == list(second) == SnapshotSerializer.Meta.fields
    assert all(first[name] is not second[name] and repr(first[name]) == repr(second[name]) for name in first)
    assert first["sales"].parent is not second["sales"].parent


@pytest.mark.django_db
def test_period_summaries_are_over_the_callers_customers(computed, manager_user):
    # A salesperson gets their own two customers' figures (tests/security/test_aggregate_scope.py checks them all).
    own = api_for(computed["sp1"].user).get("/api/v1/periods/2025-03/").json()
    assert (own["customers"], own["sales"]) == (2, "90500.00")
    body = api_for(manager_user).get("/api/v1/periods/2025-03/").json()
    assert (body["period"], body["customers"], body["buying_customers"]) == ("2025-03", 4, 4)
    assert api_for(manager_user).get("/api/v1/periods/2024-01/").status_code == 404


@pytest.mark.django_db
def test_policies_read_for_all_write_for_admins(computed, admin_user):
    sales = api_for(computed["sp1"].user)
    assert sales.get("/api/v1/policies/").status_code == 200
    assert sales.post("/api/v1/policies/", {"data": {"method": "fixed_amount"}}, format="json").status_code == 403
    admin = api_for(admin_user)
    bad = admin.post("/api/v1/policies/", {"data": {"method": "nope"}}, format="json")
    assert bad.status_code == 400
    assert bad.json() == {"data": [
        "method: must be one of fixed_amount, cumulative_share, rank_percentile, weighted_score"
    ]}
    good = admin.post("/api/v1/policies/", {"data": {"method": "fixed_amount"}, "comment": "try"}, format="json")
    assert good.status_code == 201
    assert (good.json()["version"], good.json()["is_active"]) == (2, True)


@pytest.mark.django_db
def test_snapshot_runs_admin_only_and_compute_queues(
    computed, admin_user, manager_user, django_capture_on_commit_callbacks
):
    assert api_for(manager_user).get("/api/v1/snapshot-runs/").status_code == 403
    admin = api_for(admin_user)
    assert admin.get("/api/v1/snapshot-runs/").json()["count"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post("/api/v1/snapshot-runs/", {"period": "2025-02"}, format="json")
    assert response.status_code == 202
    assert admin.get("/api/v1/snapshot-runs/?status=done").json()["count"] == 2
    assert admin.post("/api/v1/snapshot-runs/", {"period": "2025-13"}, format="json").status_code == 400
