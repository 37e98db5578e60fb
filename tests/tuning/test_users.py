"""Users (admins): create with a role, regions for managers, a Salesperson row for salespeople; passwords through
Django's validators; API tokens shown once and revocable; deactivation."""

import hashlib
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from rest_framework.test import APIClient

from customers.models import ApiToken, AuditLog, ManagerRegion, Salesperson
from customers.roles import user_role
from customers.selectors import customer_list
from customers.services import salesperson_get_or_create
from customers.services_admin import AdminError, user_create, user_role_set

User = get_user_model()
GOOD = "Tian-He-2025!"


@pytest.mark.django_db
def test_create_a_regional_manager_from_the_page(admin_client, regions, book):
    response = admin_client.post("/settings/users/new/", {
        "username": "gd_mgr", "first_name": "广东经理", "password1": GOOD, "password2": GOOD, "role": "manager",
        "regions": [regions["south"].pk]})
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="gd_mgr")
    assert user_role(user) == "manager" and user.check_password(GOOD)
    assert list(ManagerRegion.objects.filter(user=user).values_list("region__path", flat=True)) == ["广东"]
    assert sorted(customer_list(user=user).values_list("code", flat=True)) == ["00101", "00102", "00202"]
    assert AuditLog.objects.filter(action="user_create", target="user:gd_mgr").exists()


@pytest.mark.django_db
def test_weak_password_gets_djangos_messages(admin_client):
    response = admin_client.post("/settings/users/new/", {
        "username": "weak", "password1": "12345678", "password2": "12345678", "role": "salesperson"})
    assert response.status_code == 400
    assert not User.objects.filter(username="weak").exists()
    text = response.content.decode()
    assert 'id="id_password1-errors"><li>' in text
    with pytest.raises(AdminError) as exc:
        user_create(username="weak", password="12345678", role="", by=None)
    assert exc.value.field == "password" and exc.value.message


@pytest.mark.django_db
def test_salesperson_role_links_the_imported_salesperson(admin_user, book):
    imported = salesperson_get_or_create("王五")  # created by an import: a login nobody can use
    book["c3"].owner = imported
    book["c3"].save()
    user = user_create(username="wangwu", password=GOOD, role="salesperson", salesperson_name="王五", by=admin_user)
    imported.refresh_from_db()
    assert imported.user == user
    assert list(customer_list(user=user).values_list("code", flat=True)) == ["00201"]
    fresh = user_create(username="zhaoliu", password=GOOD, role="salesperson", first_name="赵六", by=admin_user)
    assert Salesperson.objects.get(user=fresh).name == "赵六"
    with pytest.raises(AdminError, match="salesperson_name: 张三 is already the salesperson of login sales1"):
        user_create(username="fake", password=GOOD, role="salesperson", salesperson_name="张三", by=admin_user)
    assert not User.objects.filter(username="fake").exists()


@pytest.mark.django_db
def test_role_changes_and_self_protection(admin_user, manager_user, regions):
    user_role_set(user=manager_user, role="manager", regions=[regions["north"]], by=admin_user)
    assert list(ManagerRegion.objects.filter(user=manager_user).values_list("region__path", flat=True)) == ["北京"]
    user_role_set(user=manager_user, role="admin", by=admin_user)
    assert user_role(manager_user) == "admin"
    assert not ManagerRegion.objects.filter(user=manager_user).exists()
    with pytest.raises(AdminError, match="role: you cannot remove your own admin role"):
        user_role_set(user=admin_user, role="manager", by=admin_user)


@pytest.mark.django_db
def test_edit_role_page_and_password_reset(admin_client, manager_user):
    page = admin_client.get(f"/settings/users/{manager_user.pk}/")
    assert page.status_code == 200
    saved = admin_client.post(f"/settings/users/{manager_user.pk}/", {"first_name": "新名字", "role": "salesperson",
                                                                      "salesperson_name": "钱七"})
    assert saved.status_code == 302
    manager_user.refresh_from_db()
    assert manager_user.first_name == "新名字" and user_role(manager_user) == "salesperson"
    assert Salesperson.objects.get(user=manager_user).name == "钱七"
    bad = admin_client.post(f"/settings/users/{manager_user.pk}/password/", {"password1": "abc", "password2": "abc"})
    assert bad.status_code == 400
    ok = admin_client.post(f"/settings/users/{manager_user.pk}/password/", {"password1": GOOD, "password2": GOOD})
    assert ok.status_code == 302
    manager_user.refresh_from_db()
    assert manager_user.check_password(GOOD)
    assert AuditLog.objects.filter(action="user_password", target="user:manager").count() == 1


@pytest.mark.django_db
def test_token_is_shown_once_and_revocable(admin_client, book):
    integrator = User.objects.create_user("erp_bot", password=GOOD)
    user_role_set(user=integrator, role="manager", by=None)
    created = admin_client.post(f"/settings/users/{integrator.pk}/token/")
    assert created.status_code == 200 and "no-store" in created["Cache-Control"]
    key = re.search(r'id="token-key">([^<]+)<', created.content.decode()).group(1)
    assert not ApiToken.objects.filter(digest=key).exists()  # only its hash is kept
    assert key in created.content.decode()
    again = admin_client.get(f"/settings/users/{integrator.pk}/").content.decode()
    assert key not in again and key[:6] not in again
    assert key not in admin_client.get("/settings/users/").content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/customers/").status_code == 200
    assert admin_client.post(f"/settings/users/{integrator.pk}/token/revoke/").status_code == 302
    assert not ApiToken.objects.filter(user=integrator).exists()
    assert api.get("/api/v1/customers/").status_code in (401, 403)
    log = AuditLog.objects.filter(target="user:erp_bot").values_list("action", "details")
    assert [a for a, _ in log.order_by("id")][-2:] == ["token_create", "token_revoke"]
    assert all(key not in str(d) for _, d in log)


@pytest.mark.django_db
def test_deactivate_page_hands_over_the_book(admin_client, book):
    sp1, sp2 = book["sp1"], book["sp2"]
    response = admin_client.post(f"/settings/users/{sp1.user.pk}/deactivate/", {"reassign_to": sp2.pk})
    assert response.status_code == 302
    sp1.user.refresh_from_db()
    assert not sp1.user.is_active
    assert sorted(customer_list(user=sp2.user).values_list("code", flat=True)) == ["00101", "00102", "00201", "00202"]
    assert admin_client.post(f"/settings/users/{sp1.user.pk}/activate/").status_code == 302
    sp1.user.refresh_from_db()
    assert sp1.user.is_active and Salesperson.objects.filter(user=sp1.user).exists()


@pytest.mark.django_db
def test_users_api(admin_user, book, regions):
    api = APIClient()
    api.force_authenticate(admin_user)
    created = api.post("/api/v1/users/", {"username": "bot", "password": GOOD, "role": "manager",
                                          "regions": ["广东"]}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["role"], body["regions"], body["has_token"]) == ("manager", ["广东"], False)
    uid = body["id"]
    assert api.post("/api/v1/users/", {"username": "w", "password": "123"}, format="json").status_code == 400
    spaced = api.post("/api/v1/users/", {"username": "a b", "password": GOOD}, format="json")
    assert spaced.status_code == 400 and list(spaced.json()) == ["username"]
    unknown = api.post("/api/v1/users/", {"username": "x", "password": GOOD, "regions": ["火星"]}, format="json")
    assert unknown.status_code == 404 and unknown.json() == {"detail": "no such region: 火星"}
    token = api.post(f"/api/v1/users/{uid}/token/")
    assert token.status_code == 201
    assert ApiToken.objects.get(user_id=uid).digest == hashlib.sha256(token.json()["key"].encode()).hexdigest()
    assert api.get(f"/api/v1/users/{uid}/").json()["has_token"] is True
    assert "key" not in str(api.get(f"/api/v1/users/{uid}/").json())
    assert api.delete(f"/api/v1/users/{uid}/token/").status_code == 204
    assert api.delete(f"/api/v1/users/{uid}/token/").status_code == 404
    patched = api.patch(f"/api/v1/users/{uid}/", {"role": "salesperson", "salesperson_name": "机器人"}, format="json")
    assert patched.json()["salesperson"] == "机器人" and patched.json()["role"] == "salesperson"
    assert api.post(f"/api/v1/users/{uid}/password/", {"password": GOOD + "x"}, format="json").status_code == 204
    assert api.post(f"/api/v1/users/{uid}/password/", {"password": "1"}, format="json").status_code == 400
    gone = api.post(f"/api/v1/users/{book['sp1'].user.pk}/deactivate/", {"reassign_to": "李四"}, format="json")
    assert gone.status_code == 200 and gone.json()["is_active"] is False
    assert sorted(customer_list(user=book["sp2"].user).values_list("code", flat=True)) == [
        "00101", "00102", "00201", "00202"]
    assert api.post(f"/api/v1/users/{book['sp1'].user.pk}/activate/").json()["is_active"] is True
    listing = api.get("/api/v1/users/?ordering=username").json()
    assert [u["username"] for u in listing["results"]][:2] == ["boss", "bot"]


@pytest.mark.django_db
def test_roles_are_shown_in_words_not_codes(client, admin_user, book):
    manager = user_create(username="boss2", password=GOOD, role="manager", first_name="总经理", by=admin_user)
    client.force_login(manager)
    page = client.get("/").content.decode()
    assert '<span class="who">总经理 · 经理</span>' in page and "· manager" not in page
    client.force_login(admin_user)
    users = client.get("/settings/users/").content.decode()
    assert "<td>经理</td>" in users and "<td>业务员</td>" in users and "<td>manager</td>" not in users
    form = client.get(f"/settings/users/{manager.pk}/").content.decode()
    assert '<option value="manager" selected>经理</option>' in form
    client.cookies["django_language"] = "en"
    english = client.get(f"/settings/users/{manager.pk}/").content.decode()
    assert '<option value="admin">Administrator</option>' in english


@pytest.mark.django_db
def test_settings_pages_say_the_services_refusals_in_the_users_language(admin_client, admin_user, book):
    from customers.forms import admin_error_text

    mine = admin_client.post(f"/settings/users/{admin_user.pk}/", {"first_name": "", "email": "", "role": "manager"})
    assert mine.status_code == 400 and "你不能取消自己的管理员角色。" in mine.content.decode()
    taken = admin_client.post("/settings/users/new/", {"username": "sales1", "password1": GOOD, "password2": GOOD,
                                                       "role": "salesperson"})
    assert "you cannot" not in taken.content.decode() and "already exists" not in taken.content.decode()
    with translation.override("zh-hans"):
        taken_name = admin_error_text("张三 is already the salesperson of login sales1")
        assert taken_name == "张三 已是登录名 sales1 的业务员。"
        assert admin_error_text("something new") == "something new"
    with translation.override("en"):
        assert admin_error_text("must be another salesperson") == "Choose another salesperson."
