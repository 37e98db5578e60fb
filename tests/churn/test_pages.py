"""Pages over a period the churn model scored, where many rows carry no score (issue 16 defect 1).

Only customers whose last order is within 90 days of T are scored: a page of churned or never-buying customers
has no scored row at all, and must render like any other page (the list sorted on any column, the profile, the
worklist, the dashboard's tiles).
"""

import datetime as dt

import pytest

from analytics.churn import services
from analytics.churn.services import churn_model_train
from analytics.models import CustomerSnapshot
from analytics.services.snapshots import snapshot_compute
from customers.models import Customer
from tests.churn.db import write_ledger
from tests.churn.synth import short_ledger
from tests.churn.test_services import SMALL
from tests.factories import SalespersonFactory, UserFactory

T = dt.date(2025, 12, 31)
PERIOD = dt.date(2025, 12, 1)
SORTS = ["last_order", "segment", "lifecycle", "action", "churn_risk", "days_since", "grade", "customer"]


@pytest.fixture
def scored_period(db, monkeypatch, model_wins):
    """600 customers of one salesperson, a never-buyer, a winning model as of T and December's snapshot."""
    monkeypatch.setattr(services, "churn_config", lambda: SMALL)
    sp = SalespersonFactory(name="王五", user=UserFactory(username="sales9", role="salesperson"))
    _, orders = short_ledger(customers=600, seed=21)
    write_ledger(orders, owner=sp)
    Customer.objects.create(code="S99999", name="从未下单", owner=sp, first_seen=dt.date(2025, 1, 1))
    assert churn_model_train(as_of=T).beats_baseline
    snapshot_compute(period=PERIOD)
    rows = CustomerSnapshot.objects.filter(period=PERIOD)
    assert rows.filter(churn_risk__isnull=False).exists()
    assert rows.filter(lifecycle="churned").count() > 50 and rows.filter(lifecycle="never").exists()
    assert not rows.filter(lifecycle__in=["churned", "never"], churn_risk__isnull=False).exists()
    return sp


def test_lists_of_unscored_rows_and_the_dashboard_render_sorted_on_every_column(client, scored_period,
                                                                                 manager_user):
    client.force_login(manager_user)
    assert client.get("/", {"period": "2025-12"}).status_code == 200
    for only in ({"lifecycle": "churned"}, {"lifecycle": "never"}, {}):
        for sort in SORTS:
            for key in (sort, f"-{sort}"):
                response = client.get("/customers/", {"period": "2025-12", **only, "sort": key})
                assert response.status_code == 200, (only, key)
                assert response.context["churn_scored"] is True  # the period has scores: the risk column shows
                assert len(response.context["page"].object_list), (only, key)


def test_profiles_and_worklist_with_unscored_customers_render(client, scored_period, manager_user):
    client.force_login(manager_user)
    rows = CustomerSnapshot.objects.filter(period=PERIOD)
    scored = rows.filter(churn_risk__isnull=False).order_by("-churn_risk").first()
    churned = rows.filter(lifecycle="churned").first()
    page = client.get(f"/customers/{scored.code}/")
    assert page.status_code == 200 and page.context["churn_state"] == "scored"
    assert page.context["churn"].reasons  # the riskiest customer has reasons
    for code in (churned.code, "S99999"):
        page = client.get(f"/customers/{code}/")
        assert page.status_code == 200 and page.context["churn_state"] == "unscored"
    client.force_login(scored_period.user)
    assert client.get("/worklist/").status_code == 200


def test_a_period_no_model_scored_renders_days_since_everywhere(client, db, manager_user):
    """No model trained: zero scored rows in the period. Every page shows days since last order instead."""
    sp = SalespersonFactory(name="赵六", user=UserFactory(username="sales8", role="salesperson"))
    _, orders = short_ledger(customers=200, seed=5)
    write_ledger(orders, owner=sp)
    snapshot_compute(period=PERIOD)
    assert not CustomerSnapshot.objects.filter(period=PERIOD, churn_risk__isnull=False).exists()
    client.force_login(manager_user)
    for sort in SORTS:
        response = client.get("/customers/", {"period": "2025-12", "sort": sort})
        assert response.status_code == 200 and response.context["churn_scored"] is False
    code = CustomerSnapshot.objects.filter(period=PERIOD, lifecycle="active").values_list("code", flat=True)[0]
    page = client.get(f"/customers/{code}/")
    assert page.status_code == 200 and page.context["churn_state"] == "not_used"
    client.force_login(sp.user)
    assert client.get("/worklist/").status_code == 200
