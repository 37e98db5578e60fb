"""Merging duplicates moves everything to the survivor in one transaction; later imports of the old code land on it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from analytics.models import CustomerPulse, CustomerSnapshot, StalePeriod
from analytics.services.policies import policy_set
from analytics.services.snapshots import snapshot_compute
from coupons.models import Campaign, CouponIssue
from customers.models import AuditLog, Customer, CustomerAlias, OwnershipChange, Visit
from customers.services_admin import AdminError, customers_merge, customers_reassign
from sales.models import Order, Payment
from tests.factories import CustomerFactory, VisitFactory

from .conftest import P, order


def campaign(name):
    today = timezone.localdate()
    return Campaign.objects.create(name=name, value=Decimal("20.00"), valid_from=today,
                                   valid_to=today + dt.timedelta(days=30), sms_template="{code}")


def issue(camp, customer, code):
    return CouponIssue.objects.create(campaign=camp, customer=customer, code=code, mobile=customer.mobile,
                                      message=f"券码{code}", send_day=timezone.localdate())


@pytest.fixture
def duplicate(book, admin_user):
    """00101 (the survivor) and K-101, the same shop under an old ERP code, each with its own history."""
    survivor = book["c1"]
    old = CustomerFactory(code="K-101", name="天河便利店(旧)", owner=book["sp2"], region=book["c3"].region,
                          first_seen=dt.date(2023, 5, 1), contact="王老板", sms_opt_out_at=timezone.now())
    Customer.objects.filter(pk=survivor.pk).update(contact="")
    order(survivor, dt.date(2025, 3, 3), "2000.00")
    order(old, dt.date(2025, 2, 10), "5000.00")
    order(old, dt.date(2025, 3, 12), "7000.00")
    Payment.objects.create(payment_no="PAY-OLD", customer=old, date=dt.date(2025, 3, 1), amount=Decimal("100"))
    VisitFactory(customer=old, date=dt.date(2025, 3, 2))
    customers_reassign(customers=[old], to=book["sp1"], by=admin_user)  # an ownership change to carry over
    both, only_old = campaign("春季"), campaign("夏季")
    issue(both, survivor, "S1")
    issue(both, old, "O1")
    issue(only_old, old, "O2")
    CustomerAlias.objects.create(code="OLDER-9", customer=old)
    Customer.objects.filter(pk=old.pk).update(override_grade="A", override_reason="新店",
                                              override_until=dt.date(2099, 1, 1))
    policy_set(data={})
    snapshot_compute(period=dt.date(2025, 2, 1))
    snapshot_compute(period=P)
    CustomerPulse.objects.create(customer=old, as_of=P, lifecycle="active", is_new=False, sales_surge=False,
                                 sales_plunge=False, orders_surge=False, orders_plunge=False)
    old.refresh_from_db()
    survivor.refresh_from_db()
    return {"survivor": survivor, "old": old, "both": both, "only_old": only_old}


@pytest.mark.django_db
def test_merge_moves_everything_to_the_survivor(duplicate, admin_user):
    survivor, old = duplicate["survivor"], duplicate["old"]
    old_id = old.pk
    report = customers_merge(survivor=survivor, merged=old, by=admin_user, reason="ERP迁移重复")
    assert not Customer.objects.filter(pk=old_id).exists()
    assert sorted(Order.objects.filter(customer=survivor).values_list("amount", flat=True)) == [
        Decimal("2000.00"), Decimal("5000.00"), Decimal("7000.00")]
    assert Payment.objects.get(payment_no="PAY-OLD").customer == survivor
    assert Visit.objects.filter(customer=survivor).count() == 1
    assert OwnershipChange.objects.filter(customer=survivor).count() == 1
    # The survivor keeps its coupon of the campaign both got; the duplicate's is logged and dropped.
    assert sorted(CouponIssue.objects.filter(customer=survivor).values_list("code", flat=True)) == ["O2", "S1"]
    assert [c["code"] for c in report.coupon_conflicts] == ["O1"]
    # Derived rows of the duplicate are gone; its periods are marked for recompute.
    assert not CustomerSnapshot.objects.filter(customer_id=old_id).exists()
    assert not CustomerPulse.objects.filter(customer_id=old_id).exists()
    assert sorted(StalePeriod.objects.values_list("period", flat=True)) == [dt.date(2025, 2, 1), P]
    assert report.stale_periods == ["2025-02", "2025-03"]
    # Aliases: the old code and the duplicate's own old alias now both lead to the survivor.
    assert dict(CustomerAlias.objects.values_list("code", "customer__code")) == {"K-101": "00101", "OLDER-9": "00101"}
    survivor.refresh_from_db()
    assert survivor.contact == "王老板"  # blank fields filled from the duplicate
    assert survivor.first_seen == dt.date(2023, 5, 1)
    assert survivor.sms_opt_out  # an opt-out given under either code stands
    assert (survivor.override_grade, survivor.override_reason) == ("A", "新店")
    log = AuditLog.objects.get(action="customer_merge")
    assert log.target == "customer:00101" and log.user == admin_user
    assert log.details["merged"]["code"] == "K-101" and log.details["reason"] == "ERP迁移重复"
    assert log.details["moved"] == {"sales.order": 2, "sales.payment": 1, "customers.visit": 1,
                                    "customers.ownershipchange": 1, "customers.customeralias": 1,
                                    "coupons.couponissue": 1}
    assert log.details["coupon_conflicts"][0]["code"] == "O1"
    # The recompute sees one customer with both histories.
    snapshot_compute(period=P)
    row = CustomerSnapshot.objects.get(period=P, customer=survivor)
    assert (row.sales, row.orders) == (Decimal("9000.00"), 2)


@pytest.mark.django_db
def test_merge_is_all_or_nothing(duplicate, admin_user, monkeypatch):
    from customers.services_admin import merge as merge_module

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(merge_module, "periods_mark_stale", boom, raising=False)
    monkeypatch.setattr("analytics.services.stale.periods_mark_stale", boom)
    with pytest.raises(RuntimeError):
        customers_merge(survivor=duplicate["survivor"], merged=duplicate["old"], by=admin_user)
    assert Customer.objects.filter(code="K-101").exists()
    assert Order.objects.filter(customer=duplicate["old"]).count() == 2
    assert not CustomerAlias.objects.filter(code="K-101").exists()


@pytest.mark.django_db
def test_merge_refuses_the_same_customer(book, admin_user):
    with pytest.raises(AdminError, match="merged: must be another customer than the survivor"):
        customers_merge(survivor=book["c1"], merged=book["c1"], by=admin_user)


@pytest.mark.django_db
def test_later_imports_under_the_old_code_land_on_the_survivor(duplicate, admin_user, tmp_path):
    survivor = duplicate["survivor"]
    customers_merge(survivor=survivor, merged=duplicate["old"], by=admin_user)
    count = Customer.objects.count()
    sales = tmp_path / "sales.csv"
    sales.write_text("order_no,order_date,customer_code,amount\nSO-NEW-1,2025-04-02,K-101,300.00\n"
                     "SO-NEW-2,2025-04-03,OLDER-9,50.00\n", encoding="utf-8")
    call_command("import_sales", str(sales))
    assert set(Order.objects.filter(order_no__startswith="SO-NEW").values_list("customer__code", flat=True)) == {
        "00101"}
    payments = tmp_path / "payments.csv"
    payments.write_text("payment_no,customer_code,date,amount\nPAY-NEW,K-101,2025-04-05,300.00\n", encoding="utf-8")
    call_command("import_payments", str(payments))
    assert Payment.objects.get(payment_no="PAY-NEW").customer == survivor
    customers = tmp_path / "customers.csv"
    customers.write_text("code,name,address\nK-101,天河便利店,天河路1号\n", encoding="utf-8")
    call_command("import_customers", str(customers))
    assert Customer.objects.count() == count
    assert not Customer.objects.filter(code="K-101").exists()
    survivor.refresh_from_db()
    assert survivor.address == "天河路1号"


@pytest.mark.django_db
def test_merge_page_confirms_then_merges_and_api(duplicate, admin_client, admin_user):
    first = admin_client.post("/settings/merge/", {"survivor": "00101", "merged": "K-101"})
    text = first.content.decode()
    assert first.status_code == 200 and 'name="confirm"' in text
    # what moves, named in the user's words: not the model's column word (订单数 is "number of orders")
    assert '<li data-model="sales.order">销售订单：2</li>' in text
    assert '<li data-model="sales.payment">回款记录：1</li>' in text
    admin_client.cookies["django_language"] = "en"
    english = admin_client.post("/settings/merge/", {"survivor": "00101", "merged": "K-101"}).content.decode()
    assert '<li data-model="sales.order">Sales orders: 2</li>' in english
    del admin_client.cookies["django_language"]
    assert Customer.objects.filter(code="K-101").exists()
    done = admin_client.post("/settings/merge/", {"survivor": "00101", "merged": "K-101", "confirm": "1"})
    assert done.status_code == 200 and 'id="merge-report"' in done.content.decode()
    assert not Customer.objects.filter(code="K-101").exists()
    unknown = admin_client.post("/settings/merge/", {"survivor": "00101", "merged": "K-101", "confirm": "1"})
    assert unknown.status_code == 400
    api = APIClient()
    api.force_authenticate(admin_user)
    response = api.post("/api/v1/customer-merges/", {"survivor": "00101", "merged": "00102"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["merged"] == "00102"
    assert CustomerAlias.objects.get(code="00102").customer.code == "00101"
    assert api.post("/api/v1/customer-merges/", {"survivor": "00101", "merged": "00102"},
                    format="json").status_code == 404
