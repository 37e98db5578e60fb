"""What every cockpit page starts from: the periods there are, the one asked for, and the user's rows of it."""

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from django.core.cache import cache
from django.db.models import Q, QuerySet

from analytics.models import CustomerSnapshot, PeriodSummary
from analytics.periods import period_or_none
from customers.models import Region, Salesperson
from customers.selectors import customer_scope_q


def cache_key(kind: str, *parts: Any) -> str:
    """The cache key of a cockpit figure: its kind and a digest of everything its value depends on."""
    return f"cockpit:{kind}:" + hashlib.sha256(repr(parts).encode()).hexdigest()


T = TypeVar("T")


def cached(key: str, compute: Callable[[], T], seconds: int) -> T:
    """compute(), kept under `key` for `seconds` (keys name everything the value depends on; the timeout only
    bounds the cache's size). With the cache down (config.cache), computed every time."""
    return cast(T, cache.get_or_set(key, compute, seconds))


def periods_available() -> list[dt.date]:
    """Closed periods that have a summary (one per monthly snapshot), newest first."""
    return list(PeriodSummary.objects.order_by("-period").values_list("period", flat=True)[:120])


def period_pick(text: str | None, available: list[dt.date]) -> dt.date | None:
    """The period asked for if it exists, else the latest closed month with a summary, else None."""
    asked = period_or_none(text)
    if asked in available:
        return asked
    return available[0] if available else None


@dataclass
class Scope:
    """Whose customers a page shows: the user's scope, narrowed by an optional region and salesperson filter."""

    user: Any
    region: Region | None = None
    salesperson: Salesperson | None = None
    _rules: dict[str, Q] = field(default_factory=dict, repr=False, compare=False)

    def rule(self, prefix: str = "") -> Q:
        """customers.selectors.customer_scope_q (the one scoping rule), worked out once per page and prefix."""
        if prefix not in self._rules:
            self._rules[prefix] = customer_scope_q(self.user, prefix=prefix)
        return self._rules[prefix]

    def narrow_q(self, prefix: str = "customer__") -> Q:
        q = Q()
        if self.region is not None:
            q &= self.region.subtree_q(prefix=f"{prefix}region__")
        if self.salesperson is not None:
            q &= Q(**{f"{prefix}owner": self.salesperson})
        return q

    def filter(self, qs: QuerySet[Any], customer_path: str = "customer") -> QuerySet[Any]:
        """`qs` (rows that point at a customer) limited to this scope: the rule `scoped()` applies, then the filter."""
        prefix = f"{customer_path}__"
        return qs.filter(self.rule(prefix)).filter(self.narrow_q(prefix))

    def company_wide(self) -> bool:
        """True when the scope is every customer: the stored company-wide PeriodSummary then applies as is."""
        return self.region is None and self.salesperson is None and self.rule() == Q()


def snapshots(scope: Scope, period: dt.date) -> QuerySet[CustomerSnapshot]:
    """The scope's snapshot rows of one period."""
    return scope.filter(CustomerSnapshot.objects.filter(period=period))
