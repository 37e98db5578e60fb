"""/settings/users/: logins, roles, regions, passwords, API tokens, deactivation (admins only)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.forms import (
    DeactivateForm,
    PasswordForm,
    TokenForm,
    UserCreateForm,
    UserRoleForm,
    admin_error_text,
)
from customers.models import ApiToken, ManagerRegion, Salesperson
from customers.roles import COMPANY_WIDE, is_company_wide_manager, role_label, user_role
from customers.services_admin import (
    AdminError,
    salesperson_deactivate,
    user_create,
    user_password_set,
    user_role_set,
    user_set_active,
    user_token_create,
    user_token_revoke,
)

from .access import admin_required


def _users() -> Any:
    regions = Prefetch("managed_regions", queryset=ManagerRegion.objects.select_related("region"))
    return (get_user_model().objects.order_by("username")
            .prefetch_related("groups", regions, "api_tokens").select_related("salesperson"))


def _role(user: Any) -> str | None:
    """The role from the prefetched groups (no query per row)."""
    if user.is_superuser:
        return "admin"
    names = {g.name for g in user.groups.all()}
    return next((r for r in ("admin", "manager", "salesperson") if r in names), None)


@admin_required
@require_GET
def users(request: HttpRequest) -> HttpResponse:
    rows = [{"user": u, "role": role_label(_role(u)), "regions": [m.region.path for m in u.managed_regions.all()],
             "company_wide": _role(u) == "manager" and any(g.name == COMPANY_WIDE for g in u.groups.all()),
             "salesperson": getattr(u, "salesperson", None), "token": next(iter(u.api_tokens.all()), None)}
            for u in _users()]
    return render(request, "settings/users.html", {"rows": rows})


@admin_required
@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = user_create(username=data["username"], password=data["password1"], role=data["role"],
                               first_name=data["first_name"], email=data["email"], regions=data["regions"],
                               salesperson_name=data["salesperson_name"], by=request.user,
                               company_wide=data["company_wide"])
        except AdminError as exc:
            form.add_admin_error(exc if exc.field != "password" else AdminError("password1", exc.message))
        else:
            messages.success(request, _("User %(name)s created.") % {"name": user.username})
            return redirect("settings_people:user", pk=user.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "settings/user_new.html", {"form": form}, status=status)


def _user_context(user: Any, **forms: Any) -> dict[str, Any]:
    salesperson = Salesperson.objects.filter(user=user).first()
    initial = {"first_name": user.first_name, "email": user.email, "role": user_role(user) or "",
               "regions": [m.region for m in ManagerRegion.objects.filter(user=user).select_related("region")],
               "company_wide": is_company_wide_manager(user),
               "salesperson_name": salesperson.name if salesperson else ""}
    return {
        "target": user, "salesperson": salesperson, "token": ApiToken.objects.filter(user=user).first(),
        "role_form": forms.get("role_form") or UserRoleForm(initial=initial),
        "password_form": forms.get("password_form") or PasswordForm(),
        "deactivate_form": forms.get("deactivate_form") or DeactivateForm(salesperson=salesperson),
        "token_form": forms.get("token_form") or TokenForm(),
    }


@admin_required
@require_http_methods(["GET", "POST"])
def user(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the user's role, password, token and activation. POST: change name, e-mail, role and regions."""
    target = get_object_or_404(get_user_model(), pk=pk)
    if request.method == "GET":
        return render(request, "settings/user.html", _user_context(target))
    form = UserRoleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            user_role_set(user=target, role=data["role"], regions=data["regions"],
                          salesperson_name=data["salesperson_name"], by=request.user,
                          company_wide=data["company_wide"])
        except AdminError as exc:
            form.add_admin_error(exc)
        else:
            target.first_name, target.email = data["first_name"], data["email"]
            target.save(update_fields=["first_name", "email"])
            messages.success(request, _("Saved."))
            return redirect("settings_people:user", pk=target.pk)
    return render(request, "settings/user.html", _user_context(target, role_form=form), status=400)


@admin_required
@require_POST
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(get_user_model(), pk=pk)
    form = PasswordForm(request.POST)
    if form.is_valid():
        try:
            user_password_set(user=target, password=form.cleaned_data["password1"], by=request.user)
        except AdminError as exc:
            form.add_error("password1", admin_error_text(exc.message))
        else:
            messages.success(request, _("Password changed."))
            return redirect("settings_people:user", pk=target.pk)
    return render(request, "settings/user.html", _user_context(target, password_form=form), status=400)


@admin_required
@require_POST
@never_cache
def user_token(request: HttpRequest, pk: int) -> HttpResponse:
    """Create (or replace) the user's API token with the name and term chosen, and show its key this once; only
    its hash is kept."""
    target = get_object_or_404(get_user_model(), pk=pk)
    form = TokenForm(request.POST)
    if not form.is_valid():
        return render(request, "settings/user.html", _user_context(target, token_form=form), status=400)
    try:
        key = user_token_create(user=target, by=request.user, name=form.cleaned_data["name"],
                                days=form.cleaned_data["days"])
    except AdminError as exc:
        messages.error(request, admin_error_text(exc.message))
        return redirect("settings_people:user", pk=target.pk)
    token = ApiToken.objects.filter(user=target).first()
    return render(request, "settings/user_token.html", {"target": target, "key": key, "token": token})


@admin_required
@require_POST
def user_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(get_user_model(), pk=pk)
    if user_token_revoke(user=target, by=request.user):
        messages.success(request, _("API token revoked."))
    return redirect("settings_people:user", pk=target.pk)


@admin_required
@require_POST
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate the login; a salesperson's customers stay theirs unless handed to another salesperson."""
    target = get_object_or_404(get_user_model(), pk=pk)
    salesperson = Salesperson.objects.filter(user=target).first()
    form = DeactivateForm(request.POST, salesperson=salesperson)
    if form.is_valid():
        try:
            if salesperson is not None:
                moved = salesperson_deactivate(salesperson=salesperson, reassign_to=form.cleaned_data["reassign_to"],
                                               by=request.user)
                messages.success(request, _("Deactivated; %(n)s customers handed over.") % {"n": moved})
            else:
                user_set_active(user=target, active=False, by=request.user)
                messages.success(request, _("Deactivated."))
        except AdminError as exc:
            form.add_admin_error(exc)
        else:
            return redirect("settings_people:user", pk=target.pk)
    return render(request, "settings/user.html", _user_context(target, deactivate_form=form), status=400)


@admin_required
@require_POST
def user_activate(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(get_user_model(), pk=pk)
    user_set_active(user=target, active=True, by=request.user)
    messages.success(request, _("Activated."))
    return redirect("settings_people:user", pk=target.pk)
