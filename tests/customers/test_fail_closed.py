"""Scoping fails closed (issue 17 item 2): a manager with no region sees nothing unless explicitly marked
company-wide, a region that scopes a manager cannot be deleted, and the pages say why a manager sees nothing."""

import pytest
from django.db.models import ProtectedError
from django.test import Client

from customers.forms import reassign_targets
from customers.models import ManagerRegion, Region
from customers.roles import is_company_wide_manager, user_role
from customers.selectors import customer_list, regions_visible, salespeople_visible, sees_every_customer
from customers.services_admin import AdminError, user_role_set
from tests.factories import RegionFactory, UserFactory

NOTICE = 'id="scope-problem"'


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


@pytest.fixture
def bare_manager(db):
    """A manager with no region and no company-wide mark."""
    return UserFactory(username="bare_mgr", role="manager")


@pytest.mark.django_db
def test_manager_without_region_sees_nothing(book, bare_manager):
    assert codes(customer_list(user=bare_manager)) == []
    assert not regions_visible(user=bare_manager).exists()
    assert not salespeople_visible(user=bare_manager).exists()
    assert not reassign_targets(bare_manager).exists()
    assert not sees_every_customer(bare_manager)


@pytest.mark.django_db
def test_company_wide_is_an_explicit_mark_and_regions_win_over_it(book, manager_user, regions):
    assert is_company_wide_manager(manager_user) and sees_every_customer(manager_user)
    assert codes(customer_list(user=manager_user)) == ["00101", "00102", "00201", "00202"]
    ManagerRegion.objects.create(user=manager_user, region=regions["north"])
    fresh = type(manager_user).objects.get(pk=manager_user.pk)
    assert codes(customer_list(user=fresh)) == ["00201"]  # the narrower scope


@pytest.mark.django_db
def test_region_that_scopes_a_manager_cannot_be_deleted(book, south_manager):
    empty = RegionFactory(name="海南")
    ManagerRegion.objects.filter(user=south_manager).update(region=empty)  # the tester's case: an empty region
    with pytest.raises(ProtectedError):
        empty.delete()
    assert codes(customer_list(user=type(south_manager).objects.get(pk=south_manager.pk))) == []


@pytest.mark.django_db
def test_removing_a_managers_last_region_leaves_them_seeing_nothing(book, south_manager):
    ManagerRegion.objects.filter(user=south_manager).delete()
    fresh = type(south_manager).objects.get(pk=south_manager.pk)
    assert codes(customer_list(user=fresh)) == []
    assert user_role(fresh) == "manager" and not is_company_wide_manager(fresh)


@pytest.mark.django_db
def test_admin_refuses_to_delete_a_region_that_scopes_a_manager(book, south_manager):
    boss = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(boss)
    south = Region.objects.get(path="广东")
    ManagerRegion.objects.filter(user=south_manager).update(region=RegionFactory(name="海南"))
    hainan = Region.objects.get(path="海南")
    page = client.post(f"/admin/customers/region/{hainan.pk}/delete/", {"post": "yes"})
    assert page.status_code == 200  # the confirmation page again, naming what protects it
    assert "south_mgr" in page.content.decode()
    assert Region.objects.filter(pk=hainan.pk).exists() and Region.objects.filter(pk=south.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/customers/", "/worklist/"])
def test_pages_tell_a_manager_without_region_why_they_see_nothing(book, bare_manager, url):
    client = Client()
    client.force_login(bare_manager)
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert NOTICE in body and "your manager login has no region" in body
    assert "天河便利店" not in body and "00101" not in body


@pytest.mark.django_db
def test_pages_of_a_scoped_manager_have_no_notice(book, south_manager, manager_user):
    for user in (south_manager, manager_user):
        client = Client()
        client.force_login(user)
        assert NOTICE not in client.get("/customers/").content.decode()


@pytest.mark.django_db
def test_role_service_keeps_company_wide_and_regions_apart(book, bare_manager, admin_user, regions):
    with pytest.raises(AdminError, match="company_wide: a manager sees either every customer"):
        user_role_set(user=bare_manager, role="manager", regions=[regions["north"]], company_wide=True,
                      by=admin_user)
    user_role_set(user=bare_manager, role="manager", company_wide=True, by=admin_user)
    assert is_company_wide_manager(bare_manager) and codes(customer_list(user=bare_manager)) == [
        "00101", "00102", "00201", "00202"]
    user_role_set(user=bare_manager, role="manager", regions=[regions["north"]], by=admin_user)  # mark dropped
    assert not is_company_wide_manager(bare_manager) and codes(customer_list(user=bare_manager)) == ["00201"]
    user_role_set(user=bare_manager, role="salesperson", salesperson_name="新人", by=admin_user)
    user_role_set(user=bare_manager, role="manager", by=admin_user)  # no mark carried over from before
    assert codes(customer_list(user=bare_manager)) == []


@pytest.mark.django_db
def test_settings_page_marks_a_manager_company_wide(book, bare_manager, admin_user):
    client = Client()
    client.force_login(admin_user)
    saved = client.post(f"/settings/users/{bare_manager.pk}/", {"role": "manager", "company_wide": "on"})
    assert saved.status_code == 302
    assert is_company_wide_manager(type(bare_manager).objects.get(pk=bare_manager.pk))
    listing = client.get("/settings/users/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "the whole company" in listing


@pytest.mark.django_db
def test_users_api_reads_and_writes_the_mark(book, bare_manager, admin_user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(admin_user)
    assert api.get(f"/api/v1/users/{bare_manager.pk}/").json()["company_wide"] is False
    body = api.patch(f"/api/v1/users/{bare_manager.pk}/", {"company_wide": True}, format="json").json()
    assert body["company_wide"] is True
