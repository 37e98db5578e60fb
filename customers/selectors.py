"""Reads of customers. Row-level scoping lives here, once: every view, API and export goes through it."""

from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from .models import Customer, Region, Salesperson
from .roles import ADMIN, MANAGER, SALESPERSON, is_company_wide_manager, user_role

M = TypeVar("M", bound=Model)
NOTHING = Q(pk__in=[])


def _assigned_regions(user: Any) -> list[str]:
    """Paths of the regions assigned to a manager, read once per user object (a request's user): a list page
    asks for them three times (rows, region choices, salesperson choices)."""
    if not hasattr(user, "_cockpit_regions"):
        user._cockpit_regions = list(Region.objects.filter(managers__user=user).values_list("path", flat=True))
    return list(user._cockpit_regions)


def _own_salesperson_id(user: Any) -> int | None:
    """The salesperson behind a user, read once per user object."""
    if not hasattr(user, "_cockpit_salesperson"):
        user._cockpit_salesperson = Salesperson.objects.filter(user=user).values_list("id", flat=True).first()
    return user._cockpit_salesperson


def customer_scope_q(user: Any, *, prefix: str = "") -> Q:
    """The Q that limits customers to what `user` may see (docs/roles.md §2).

    A salesperson sees the customers they own; a manager those of the regions (and sub-regions) assigned to
    them, or all when explicitly company-wide (roles.COMPANY_WIDE), else nothing: the rule fails closed, so a
    manager whose regions were all removed sees nothing rather than everything. An admin sees all; anyone else
    nothing. Regions win over the company-wide mark (the narrower scope). `prefix` lets the same rule filter rows
    that point at a customer (``prefix="customer__"`` for orders, visits, snapshots).
    """
    role = user_role(user)
    if role == ADMIN:
        return Q()
    if role == SALESPERSON:
        sp = _own_salesperson_id(user)
        return Q(**{f"{prefix}owner_id": sp}) if sp else NOTHING
    if role == MANAGER:
        regions = _assigned_regions(user)
        if not regions:
            return Q() if is_company_wide_manager(user) else NOTHING
        q = NOTHING
        for path in regions:
            q |= Q(**{f"{prefix}region__path": path}) | Q(**{f"{prefix}region__path__startswith": path + "/"})
        return q
    return NOTHING


def sees_every_customer(user: Any) -> bool:
    """True when `user`'s scope is every customer (an admin, a company-wide manager): company-wide figures, such as
    a stored PeriodSummary, apply to them as they are, and to nobody else."""
    return customer_scope_q(user) == Q()


def scope_problem(user: Any) -> str | None:
    """Why a signed-in user sees no customer at all, when that is a matter of set-up rather than of data: a
    manager with no region who is not company-wide, a salesperson login with no salesperson, a login with no
    role. None otherwise. The pages show it, so an empty dashboard is not mistaken for an empty book."""
    if not getattr(user, "is_authenticated", False):
        return None
    role = user_role(user)
    if role == MANAGER and not _assigned_regions(user) and not is_company_wide_manager(user):
        return "manager_without_region"
    if role == SALESPERSON and _own_salesperson_id(user) is None:
        return "salesperson_without_salesperson"
    if role is None:
        return "no_role"
    return None


def customer_list(*, user: Any) -> QuerySet[Customer]:
    """Customers `user` may see, with region and owner joined for list pages."""
    return Customer.objects.filter(customer_scope_q(user)).select_related("region", "owner")


def customer_get(*, user: Any, code: str) -> Customer | None:
    """One customer by code, or None when it does not exist or `user` may not see it (callers answer 404)."""
    if "\x00" in code:
        return None  # no code holds a NUL byte, and PostgreSQL refuses one in a query (it was a 500)
    return customer_list(user=user).filter(code=code).first()


def scoped(qs: QuerySet[M], *, user: Any, customer_path: str = "customer") -> QuerySet[M]:
    """Limit rows that belong to a customer (orders, visits, snapshots, coupons) to `user`'s customers."""
    return qs.filter(customer_scope_q(user, prefix=f"{customer_path}__"))


def salespeople_visible(*, user: Any) -> QuerySet[Salesperson]:
    """Salespeople `user` may filter by: their own self, those owning customers in their regions, or all."""
    role = user_role(user)
    if role == ADMIN:
        return Salesperson.objects.all()
    if role == SALESPERSON:
        return Salesperson.objects.filter(user=user)
    if role == MANAGER:
        return Salesperson.objects.filter(
            id__in=customer_list(user=user).exclude(owner=None).values("owner_id")
        )
    return Salesperson.objects.none()


def regions_visible(*, user: Any) -> QuerySet[Region]:
    """Regions `user` may filter by."""
    role = user_role(user)
    if role == ADMIN:
        return Region.objects.all()
    if role == MANAGER:
        assigned = _assigned_regions(user)
        if not assigned:
            return Region.objects.all() if is_company_wide_manager(user) else Region.objects.none()
        q = NOTHING
        for path in assigned:
            q |= Q(path=path) | Q(path__startswith=path + "/")
        return Region.objects.filter(q)
    if role == SALESPERSON:
        return Region.objects.filter(id__in=customer_list(user=user).values("region_id"))
    return Region.objects.none()
