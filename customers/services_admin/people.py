"""Reassignment, salesperson deactivation, users, roles, passwords and API tokens (issue 6 items 3 and 4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from customers.models import Customer, ManagerRegion, Region, Salesperson
from customers.roles import ADMIN, MANAGER, ROLES, SALESPERSON, is_company_wide_manager, user_memo_clear, user_role
from customers.selectors import customer_list
from customers.services import audit, company_wide_group, customer_reassign, roles_ensure
from customers.tokens import api_token_issue, api_tokens_revoke, user_access_revoke

from .errors import AdminError

AUDIT_CODES = 500


@transaction.atomic
def customers_reassign(*, customers: Iterable[Customer], to: Salesperson, by: Any, reason: str = "") -> int:
    """Move customers to another salesperson, keeping the ownership history; returns how many moved.

    Seed 001: the customer belongs to the company. Scoping follows at once (selectors read the live owner).
    """
    if not to.user.is_active:
        raise AdminError("to", f"{to.name} is deactivated")
    customers = list(customers)
    moved = customer_reassign(customers=customers, to=to, by=by, reason=reason)
    codes = [c.code for c in customers]
    audit(user=by, action="reassign", target=f"salesperson:{to.name}", to=to.name, moved=moved,
          customers=codes[:AUDIT_CODES], customers_total=len(codes), reason=reason)
    return moved


def salesperson_customers(*, salesperson: Salesperson, user: Any) -> list[Customer]:
    """The customers of `salesperson` that `user` may see (a regional manager moves only those of their regions)."""
    return list(customer_list(user=user).filter(owner=salesperson))


@transaction.atomic
def salesperson_deactivate(*, salesperson: Salesperson, reassign_to: Salesperson | None = None, by: Any) -> int:
    """Deactivate a salesperson's login; their customers, orders and history stay. Optionally hand over the book.

    Returns how many customers moved to `reassign_to`. Their API token is revoked.
    """
    if reassign_to is not None and reassign_to.pk == salesperson.pk:
        raise AdminError("reassign_to", "must be another salesperson")
    moved = 0
    if reassign_to is not None:
        moved = customers_reassign(customers=salesperson_customers(salesperson=salesperson, user=by), to=reassign_to,
                                   by=by, reason=f"{salesperson.name} deactivated")
    user_set_active(user=salesperson.user, active=False, by=by)
    return moved


def _user_model() -> Any:
    return get_user_model()


def _password_check(password: str, user: Any) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise AdminError("password", " ".join(exc.messages)) from exc


def _salesperson_link(user: Any, name: str) -> Salesperson:
    """The user's Salesperson row: theirs, or an imported one of that name with a placeholder login, or a new one."""
    own = Salesperson.objects.filter(user=user).first()
    if own is not None:
        return own
    name = (name or user.get_full_name() or user.username).strip()[:64]
    existing = Salesperson.objects.select_related("user").filter(name=name).first()
    if existing is None:
        return Salesperson.objects.create(user=user, name=name)
    placeholder = existing.user
    if placeholder.has_usable_password() or placeholder.last_login is not None:
        raise AdminError("salesperson_name", f"{name} is already the salesperson of login {placeholder.username}")
    # An import created this salesperson with a login nobody can use: hand the row (and its book) to the real login.
    existing.user = user
    existing.save(update_fields=["user"])
    placeholder.is_active = False
    placeholder.save(update_fields=["is_active"])
    return existing


def _company_wide(user: Any, role: str, regions: list[Region], company_wide: bool | None) -> bool:
    """Whether a manager is to see every customer: asked explicitly, or kept as it was (None). Never together
    with regions: a manager is company-wide or regional, and neither means they see nothing (issue 17 item 2)."""
    if role != MANAGER:
        return False
    if company_wide is None:
        company_wide = is_company_wide_manager(user) and not regions
    if company_wide and regions:
        raise AdminError("company_wide", "a manager sees either every customer or their regions' customers, "
                                         "not both: clear the regions or the company-wide mark")
    return company_wide


@transaction.atomic
def user_role_set(*, user: Any, role: str, regions: Iterable[Region] = (), salesperson_name: str = "",
                  by: Any, company_wide: bool | None = None) -> Any:
    """Give `user` exactly one role (or none: ""), a regional manager's regions or a manager's company-wide mark
    (None keeps it as it was), a salesperson's Salesperson row."""
    if role and role not in ROLES:
        raise AdminError("role", f"must be one of {', '.join(ROLES)}")
    if getattr(by, "pk", None) == user.pk and user_role(user) == ADMIN and role != ADMIN:
        raise AdminError("role", "you cannot remove your own admin role")
    regions = list(regions) if role == MANAGER else []
    wide = _company_wide(user, role, regions, company_wide)
    before = {"role": user_role(user), "company_wide": is_company_wide_manager(user),
              "regions": sorted(ManagerRegion.objects.filter(user=user).values_list("region__path", flat=True))}
    groups = roles_ensure()
    user.groups.remove(*groups.values(), company_wide_group())
    if role:
        user.groups.add(groups[role])
    if wide:
        user.groups.add(company_wide_group())
    ManagerRegion.objects.filter(user=user).exclude(region__in=regions).delete()
    for region in regions:
        ManagerRegion.objects.get_or_create(user=user, region=region)
    if role == SALESPERSON:
        _salesperson_link(user, salesperson_name)
    user_memo_clear(user)
    after_regions = sorted(r.path for r in regions)
    if (before["role"], before["company_wide"], before["regions"]) != (role or None, wide, after_regions):
        # What the user may see changed: keys and sessions made under the old role end (issue 17 item 6).
        user_access_revoke(user=user)
    audit(user=by, action="user_role", target=f"user:{user.username}", before=before,
          after={"role": role or None, "company_wide": wide, "regions": sorted(r.path for r in regions)})
    return user


@transaction.atomic
def user_create(*, username: str, password: str, role: str, by: Any, first_name: str = "", last_name: str = "",
                email: str = "", regions: Iterable[Region] = (), salesperson_name: str = "",
                company_wide: bool = False) -> Any:
    """Create a login with one role; the password must pass Django's validators."""
    model = _user_model()
    username = (username or "").strip()
    if not username:
        raise AdminError("username", "required")
    try:
        model._meta.get_field(model.USERNAME_FIELD).run_validators(username)
    except ValidationError as exc:
        raise AdminError("username", " ".join(exc.messages)) from exc
    if model.objects.filter(username=username).exists():
        raise AdminError("username", "a user with that username already exists")
    user = model(username=username, first_name=first_name.strip(), last_name=last_name.strip(), email=email.strip())
    _password_check(password, user)
    user.set_password(password)
    user.save()
    audit(user=by, action="user_create", target=f"user:{username}")
    return user_role_set(user=user, role=role, regions=regions, salesperson_name=salesperson_name, by=by,
                         company_wide=company_wide)


@transaction.atomic
def user_password_set(*, user: AbstractBaseUser, password: str, by: Any) -> None:
    """Set a new password (Django's validators apply); the user's API keys and sessions end (issue 17 item 6)."""
    _password_check(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    user_access_revoke(user=user)
    audit(user=by, action="user_password", target=f"user:{user.get_username()}")


@transaction.atomic
def user_set_active(*, user: Any, active: bool, by: Any) -> Any:
    """Let a login sign in again, or not; nothing it owns or did is touched. Deactivating ends its API keys and
    sessions, so activating it again brings none of them back."""
    if not active and getattr(by, "pk", None) == user.pk:
        raise AdminError("", "you cannot deactivate yourself")
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        user_access_revoke(user=user)
    audit(user=by, action="user_activate" if active else "user_deactivate", target=f"user:{user.username}")
    return user


TOKEN_DAYS = 365  # a key expires after a year unless issued for another term


@transaction.atomic
def user_token_create(*, user: Any, by: Any, name: str = "", days: int | None = TOKEN_DAYS) -> str:
    """A new API key for an integrator, replacing any old one; the key is returned once and only its hash is kept.
    It expires after `days` (None: never)."""
    if not user.is_active:
        raise AdminError("", "the user is deactivated")
    api_tokens_revoke(user=user)
    expires = timezone.now() + dt.timedelta(days=days) if days else None
    token, key = api_token_issue(user=user, name=name or "API token", expires_at=expires)
    audit(user=by, action="token_create", target=f"user:{user.username}", prefix=token.prefix,
          expires=expires.isoformat() if expires else None)
    return key


@transaction.atomic
def user_token_revoke(*, user: Any, by: Any) -> bool:
    """Revoke the user's API keys; False when there was none."""
    deleted = api_tokens_revoke(user=user)
    if deleted:
        audit(user=by, action="token_revoke", target=f"user:{user.username}")
    return bool(deleted)
