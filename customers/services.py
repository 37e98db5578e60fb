"""Writes of customers, regions and salespeople."""

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery

from core.exceptions import DomainError

from .dates import future_date_problem
from .models import AuditLog, Customer, OwnershipChange, Region, Salesperson, Visit
from .roles import COMPANY_WIDE, ROLES, SALESPERSON


def roles_ensure() -> dict[str, Group]:
    """Create the manager, salesperson and admin groups if missing."""
    return {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}


def company_wide_group() -> Group:
    """The group that marks a manager as seeing every customer (roles.COMPANY_WIDE)."""
    return Group.objects.get_or_create(name=COMPANY_WIDE)[0]


def region_get_or_create(path: str) -> Region | None:
    """The region at `path` ('广东/广州/天河'), creating missing ancestors; None for a blank path."""
    parts = [p.strip() for p in (path or "").replace("\\", "/").split("/") if p.strip()]
    if not parts:
        return None
    parent = None
    for depth in range(1, len(parts) + 1):
        node_path = "/".join(parts[:depth])
        parent, _ = Region.objects.get_or_create(
            path=node_path, defaults={"name": parts[depth - 1], "parent": parent}
        )
    return parent


def _username_for(name: str) -> str:
    """A stable, valid username for a salesperson first seen in an import."""
    candidate = "".join(ch for ch in name if ch.isalnum() or ch in "@.+-_")[:100]
    if candidate and candidate == name:
        return candidate
    return "sp-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:12]  # noqa: S324 - a name, not a secret


@transaction.atomic
def salesperson_get_or_create(name: str, *, username: str | None = None) -> Salesperson | None:
    """The salesperson called `name`, creating a login (no usable password yet) on first sight."""
    name = (name or "").strip()
    if not name:
        return None
    existing = Salesperson.objects.filter(name=name).first()
    if existing:
        return existing
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username or _username_for(name))
    if created:
        user.set_unusable_password()
        user.first_name = name[:150]
        user.save()
    user.groups.add(roles_ensure()[SALESPERSON])
    return Salesperson.objects.create(user=user, name=name)


@transaction.atomic
def customer_reassign(
    *, customers: list[Customer], to: Salesperson | None, by: Any = None, reason: str = ""
) -> int:
    """Move customers to another salesperson, keeping the ownership history (seed 001)."""
    moved = 0
    for customer in customers:
        if customer.owner_id == (to.id if to else None):
            continue
        OwnershipChange.objects.create(
            customer=customer, from_salesperson=customer.owner, to_salesperson=to, changed_by=by, reason=reason
        )
        customer.owner = to
        customer.save(update_fields=["owner", "updated_at"])
        moved += 1
    return moved


class VisitError(DomainError):
    """A visit that cannot be logged: `field` names the input at fault, `message` says why."""


@transaction.atomic
def visit_log(
    *, customer: Customer, user: Any, date: dt.date, kind: str, note: str = "", next_date: dt.date | None = None
) -> Visit:
    """Log a visit, call or message dated at the latest tomorrow; the customer's last visit date is their latest
    visit's (customers.dates: a future date would have frozen it).

    The outcome is required: a visit without one tells the next person nothing. `logged_by` is the user; the
    visit's salesperson is theirs when they are one, else the customer's owner (a manager logging for them).
    """
    if kind not in Visit.Kind.values:
        raise VisitError(f"must be one of {', '.join(Visit.Kind.values)}", field="kind")
    if not note.strip():
        raise VisitError("an outcome is required (what was said, agreed or ordered)", field="note")
    problem = future_date_problem(date)
    if problem:
        raise VisitError(problem, field="date")
    if next_date is not None and next_date < date:
        raise VisitError("must not be before the visit date", field="next_date")
    salesperson = Salesperson.objects.filter(user=user).first()
    visit = Visit.objects.create(
        customer=customer, salesperson=salesperson or customer.owner, date=date, kind=kind, note=note.strip(),
        next_date=next_date, logged_by=user if getattr(user, "is_authenticated", False) else None,
    )
    customer_last_visit_refresh(customer_ids=[customer.pk])
    customer.last_visit_date = Customer.objects.values_list("last_visit_date", flat=True).get(pk=customer.pk)
    return visit


def customer_last_visit_refresh(*, customer_ids: Iterable[int] | None = None) -> int:
    """Set each customer's last_visit_date to their latest visit's date (None without visits), derived from the
    visits rather than moved forward: a wrong date removed or corrected moves it back. All customers when
    `customer_ids` is None; returns how many rows were updated."""
    latest = Visit.objects.filter(customer_id=OuterRef("pk")).order_by().values("customer_id").annotate(
        d=Max("date")).values("d")
    customers = Customer.objects.all() if customer_ids is None else Customer.objects.filter(pk__in=list(customer_ids))
    return customers.update(last_visit_date=Subquery(latest))


def audit(*, user: Any, action: str, target: str = "", **details: Any) -> AuditLog:
    """Record who did what, when (exports, sends, overrides, reassignments, merges, policy changes)."""
    actor = user if getattr(user, "is_authenticated", False) else None
    return AuditLog.objects.create(user=actor, action=action, target=target[:128], details=details)
