"""The back office lists the analytics tables, read-only, scoped like the pages."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from analytics.models import CustomerSnapshot
from analytics.services.snapshots import snapshot_compute
from tests.factories import OrderFactory, UserFactory

P = dt.date(2025, 3, 1)
TABLES = ["customersnapshot", "customerpulse", "periodsummary", "snapshotrun", "staleperiod", "gradingpolicy",
          "backgroundjob", "churnmodel"]


@pytest.fixture
def computed(book):
    for key, amount in (("c1", "500"), ("c2", "300"), ("c3", "800")):
        OrderFactory(customer=book[key], order_date=dt.date(2025, 3, 10), amount=Decimal(amount), cost=Decimal(0))
    snapshot_compute(period=P)
    return book


@pytest.mark.django_db
def test_admin_sees_every_analytics_table_read_only(client, computed):
    boss = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(boss)
    index = client.get("/admin/").content.decode()
    for table in TABLES:
        assert f'href="/admin/analytics/{table}/"' in index, table
        assert client.get(f"/admin/analytics/{table}/").status_code == 200, table
        assert client.get(f"/admin/analytics/{table}/add/").status_code == 403, table
    assert f'href="/admin/analytics/{TABLES[0]}/add/"' not in index
    snapshots = client.get("/admin/analytics/customersnapshot/").content.decode()
    assert sorted(re.findall(r'<td class="field-code">(\w+)</td>', snapshots)) == ["00101", "00102", "00201", "00202"]
    row = CustomerSnapshot.objects.get(code="00101")
    detail = client.get(f"/admin/analytics/customersnapshot/{row.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()  # a view, not a form
    assert client.post(f"/admin/analytics/customersnapshot/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert CustomerSnapshot.objects.filter(pk=row.pk).exists()
    assert "销售" in index and "销售额" not in index  # the Sales app's name, not the column word
    for name in ("客户本月动态", "后台任务", "流失模型", "待重新计算的期间", "分级策略", "客户快照"):
        assert f">{name}</a>" in index, name


@pytest.mark.django_db
def test_a_staff_salesperson_sees_only_their_customers_rows_and_no_company_totals(client, computed):
    user = computed["sp1"].user
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="analytics",
                                                         codename__startswith="view_"))
    client.force_login(user)
    snapshots = client.get("/admin/analytics/customersnapshot/").content.decode()
    assert sorted(re.findall(r'<td class="field-code">(\w+)</td>', snapshots)) == ["00101", "00102"]
    other = CustomerSnapshot.objects.get(code="00201")
    assert client.get(f"/admin/analytics/customersnapshot/{other.pk}/change/").status_code in (302, 404)
    for table in ("periodsummary", "gradingpolicy", "snapshotrun", "backgroundjob", "churnmodel"):
        assert client.get(f"/admin/analytics/{table}/").status_code == 403, table
    assert 'href="/admin/analytics/periodsummary/"' not in client.get("/admin/").content.decode()
