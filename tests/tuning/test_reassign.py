"""Reassignment keeps the ownership history and scoping follows at once; deactivation keeps the book."""

import re

import pytest
from rest_framework.test import APIClient

from analytics.selectors import snapshot_list
from analytics.services.policies import policy_set
from analytics.services.snapshots import snapshot_compute
from customers.models import ApiToken, AuditLog, OwnershipChange
from customers.selectors import customer_list
from customers.services_admin import AdminError, customers_reassign, salesperson_deactivate
from customers.tokens import api_token_issue
from sales.models import Order
from tests.factories import SalespersonFactory, UserFactory

from .conftest import P, order


def codes(user):
    return sorted(customer_list(user=user).values_list("code", flat=True))


@pytest.mark.django_db
def test_reassignment_moves_scoping_at_once_and_keeps_history(book, admin_user):
    sp1, sp2 = book["sp1"], book["sp2"]
    assert codes(sp1.user) == ["00101", "00102"]
    assert codes(sp2.user) == ["00201", "00202"]
    moved = customers_reassign(customers=[book["c1"]], to=sp2, by=admin_user, reason="调整片区")
    assert moved == 1
    assert codes(sp1.user) == ["00102"]
    assert codes(sp2.user) == ["00101", "00201", "00202"]
    change = OwnershipChange.objects.get(customer=book["c1"])
    assert (change.from_salesperson, change.to_salesperson, change.changed_by, change.reason) == (
        sp1, sp2, admin_user, "调整片区")
    log = AuditLog.objects.get(action="reassign")
    assert log.details["customers"] == ["00101"] and log.details["to"] == "李四" and log.details["moved"] == 1


@pytest.mark.django_db
def test_snapshot_lists_follow_the_live_owner(book, admin_user):
    """CustomerSnapshot.salesperson is the owner as of T; who may see a row follows the customer's live owner."""
    policy_set(data={})
    order(book["c1"], P.replace(day=5), "1000.00")
    snapshot_compute(period=P)
    sp1, sp2 = book["sp1"], book["sp2"]
    assert sorted(snapshot_list(user=sp1.user).values_list("code", flat=True)) == ["00101", "00102"]
    customers_reassign(customers=[book["c1"]], to=sp2, by=admin_user)
    assert sorted(snapshot_list(user=sp1.user).values_list("code", flat=True)) == ["00102"]
    row = snapshot_list(user=sp2.user).get(code="00101")
    assert row.salesperson == sp1  # the owner when the period was computed, kept as history


@pytest.mark.django_db
def test_reassign_page_selection_and_whole_book(book, admin_client):
    sp1, sp2 = book["sp1"], book["sp2"]
    page = admin_client.get("/settings/reassign/?codes=00101,00102")
    assert page.status_code == 200 and "00101\n00102" in page.content.decode()
    response = admin_client.post("/settings/reassign/", {"codes": "00101, 00201", "to": sp2.pk, "reason": "r",
                                                         "confirm": "1"})
    assert response.status_code == 302
    assert codes(sp2.user) == ["00101", "00201", "00202"]
    response = admin_client.post("/settings/reassign/", {"from_salesperson": sp2.pk, "to": sp1.pk, "confirm": "1"})
    assert response.status_code == 302
    assert codes(sp1.user) == ["00101", "00102", "00201", "00202"] and codes(sp2.user) == []
    assert OwnershipChange.objects.count() == 4
    missing = admin_client.post("/settings/reassign/", {"codes": "nope", "to": sp1.pk})
    assert missing.status_code == 400 and "nope" in missing.content.decode()
    empty = admin_client.post("/settings/reassign/", {"to": sp1.pk})
    assert empty.status_code == 400


@pytest.mark.django_db
def test_reassign_shows_what_would_move_before_moving(book, admin_client):
    sp1, sp2 = book["sp1"], book["sp2"]
    # 00102 typed, 00201 ticked in the customer search, 00101 already with 张三 (stays)
    response = admin_client.post("/settings/reassign/", {"codes": "00102\n00101", "picked": ["00201"], "to": sp1.pk})
    assert response.status_code == 200
    text = response.content.decode()
    assert "1 个客户将转给张三：" in text and "2 个客户已属于张三，保持不变。" in text
    assert "<li>1 个客户来自李四</li>" in text and "<li>1 个客户来自张三</li>" not in text
    moving = re.search(r'<table class="data compact" id="reassign-moving">(.*?)</table>', text, re.S).group(1)
    assert re.findall(r"<tr><td>(\w+)</td>", moving) == ["00201"]  # only those that change owner
    assert '<input type="checkbox" name="picked" value="00201" checked>' in text  # the pick survives the preview
    assert 'name="confirm"' in text
    assert codes(sp1.user) == ["00101", "00102"] and not OwnershipChange.objects.exists()  # nothing moved yet
    done = admin_client.post("/settings/reassign/", {"codes": "00102\n00101", "picked": ["00201"], "to": sp1.pk,
                                                     "confirm": "1"})
    assert done.status_code == 302
    assert codes(sp1.user) == ["00101", "00102", "00201"] and codes(sp2.user) == ["00202"]


@pytest.mark.django_db
def test_the_customer_picker_searches_in_scope_and_keeps_the_picked(book, south_manager, client):
    client.force_login(south_manager)
    found = client.get("/settings/reassign/customers/", {"q": "0020"}).content.decode()
    assert re.findall(r'value="(\w+)"', found) == ["00202"]  # 00201 (北京) is not theirs to see
    kept = client.get("/settings/reassign/customers/", {"q": "超市", "picked": ["00202", "00201"]}).content.decode()
    assert '<input type="checkbox" name="picked" value="00202" checked>' in kept
    assert re.findall(r'value="(\w+)"', kept) == ["00202", "00102"] and "00201" not in kept
    assert "没有匹配“无此店”的客户。" in client.get("/settings/reassign/customers/", {"q": "无此店"}).content.decode()
    client.force_login(book["sp1"].user)
    assert client.get("/settings/reassign/customers/", {"q": "0"}).status_code in (403, 404)


@pytest.mark.django_db
def test_a_regional_manager_moves_only_customers_in_scope(book, south_manager, client):
    client.force_login(south_manager)
    sp1, sp2 = book["sp1"], book["sp2"]
    outside = client.post("/settings/reassign/", {"codes": "00201", "to": sp1.pk, "confirm": "1"})  # 北京
    assert outside.status_code == 400
    assert codes(sp1.user) == ["00101", "00102"]
    whole = client.post("/settings/reassign/", {"from_salesperson": sp2.pk, "to": sp1.pk, "confirm": "1"})
    assert whole.status_code == 302
    assert codes(sp1.user) == ["00101", "00102", "00202"]  # 00201 (北京) stays with 李四
    assert codes(sp2.user) == ["00201"]


@pytest.mark.django_db
def test_reassignment_api(book, south_manager, admin_user):
    api = APIClient()
    api.force_authenticate(south_manager)
    ok = api.post("/api/v1/reassignments/", {"customers": ["00101"], "to_salesperson": "李四"}, format="json")
    assert ok.status_code == 200, ok.content
    assert ok.json() == {"moved": 1, "customers": ["00101"], "to_salesperson": "李四"}
    assert codes(book["sp2"].user) == ["00101", "00201", "00202"]
    assert api.post("/api/v1/reassignments/", {"customers": ["00201"], "to_salesperson": "张三"},
                    format="json").status_code == 404
    unknown = api.post("/api/v1/reassignments/", {"customers": ["00101"], "to_salesperson": "王五"}, format="json")
    assert unknown.status_code == 404 and unknown.json() == {"detail": "no such active salesperson: 王五"}
    api.force_authenticate(admin_user)
    whole = api.post("/api/v1/reassignments/", {"from_salesperson": "李四", "to_salesperson": "张三"}, format="json")
    assert whole.json()["moved"] == 3
    assert codes(book["sp1"].user) == ["00101", "00102", "00201", "00202"]


@pytest.mark.django_db
def test_deactivating_a_salesperson_keeps_customers_and_history(book, admin_user):
    sp1, sp2 = book["sp1"], book["sp2"]
    order(book["c1"], P, "500.00")
    api_token_issue(user=sp1.user)
    moved = salesperson_deactivate(salesperson=sp1, by=admin_user)
    sp1.refresh_from_db()
    assert moved == 0 and not sp1.user.is_active and not sp1.is_active
    assert list(book["c1"].__class__.objects.filter(owner=sp1).values_list("code", flat=True)) == ["00101", "00102"]
    assert Order.objects.filter(customer=book["c1"], salesperson=sp1).count() == 1
    assert not ApiToken.objects.filter(user=sp1.user).exists()
    assert codes(sp1.user) == []  # an inactive login sees nothing
    with pytest.raises(AdminError, match="to: 张三 is deactivated"):
        customers_reassign(customers=[book["c3"]], to=sp1, by=admin_user)
    newcomer = SalespersonFactory(name="王五", user=UserFactory(username="wangwu", role="salesperson"))
    assert salesperson_deactivate(salesperson=sp1, reassign_to=newcomer, by=admin_user) == 2
    assert codes(newcomer.user) == ["00101", "00102"]
    assert OwnershipChange.objects.filter(from_salesperson=sp1, to_salesperson=newcomer).count() == 2
    with pytest.raises(AdminError, match="reassign_to: must be another salesperson"):
        salesperson_deactivate(salesperson=sp2, reassign_to=sp2, by=admin_user)
