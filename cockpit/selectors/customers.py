"""The customer list: a period's snapshot rows for the user, filtered, sorted, paged or exported.

`customer_rows` is the one entry point: the list page, its exports and the coupons dialog ("select all N
matching", all=1 plus the list's querystring) all call it with the request's GET, so they select the same rows.
`customer_list_page` reads one page of them for the list, in full, before anything renders.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, NamedTuple

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OrderBy, QuerySet

from analytics.models import CustomerSnapshot, SnapshotLock
from analytics.periods import fmt
from cockpit.columns import exported, sort_fields
from cockpit.filters import USER_CHOICES, LiveCustomerSnapshotFilter

from .churn import ChurnStatus, churn_status
from .common import Scope, cache_key, cached, period_pick, periods_available, snapshots

# Every column sorts (cockpit.columns.sort_fields); blanks go last both ways; the code breaks ties.
DEFAULT_SORT = "-sales"


class ListRow(NamedTuple):
    """One row of the list and its exports: the snapshot's columns by their own names, then the live customer's.

    Read as tuples, not model instances: 50 snapshots with their customer, region and salesperson built as models
    cost 2.2 ms more per page than the same columns as tuples (reference data), and an export reads 50,000.
    """

    id: int
    customer_id: int
    code: str
    grade: str
    computed_grade: str
    previous_grade: str
    movement: str
    override_active: bool
    orders: int
    sales: Decimal
    mom_growth: float | None
    yoy_growth: float | None
    receivable: Decimal
    overdue: Decimal
    last_order_date: dt.date | None
    days_since_last_order: int | None
    churn_risk: float | None
    churn_reasons: str  # reason codes, strongest first (analytics/churn/reasons.py)
    lifecycle: str
    is_new: bool
    sales_surge: bool
    sales_plunge: bool
    orders_surge: bool
    orders_plunge: bool
    rfm_segment: str
    action: str
    # The customer as it is now (the list shows today's name, region, owner, visit and coupon).
    name: str
    region: str | None  # the region's path
    salesperson: str | None  # the owner's name
    contact: str
    phone: str
    shop_type: str
    last_visit: dt.date | None
    last_coupon: dt.date | None


_LIVE = {"name": "customer__name", "region": "customer__region__path", "salesperson": "customer__owner__name",
         "contact": "customer__contact", "phone": "customer__mobile", "shop_type": "customer__shop_type",
         "last_visit": "customer__last_visit_date", "last_coupon": "customer__last_coupon_date"}
ROW_COLUMNS = tuple(_LIVE.get(name, name) for name in ListRow._fields)


def list_rows(qs: QuerySet[CustomerSnapshot]) -> Iterator[ListRow]:
    """The queryset's rows as ListRow, in its order, read in chunks."""
    return map(ListRow._make, qs.values_list(*ROW_COLUMNS).iterator(chunk_size=2000))


# Filters that read the customer as it is now (name, phone, region, owner, visit and coupon dates), not the row.
LIVE_FILTERS = ("q", "region", "salesperson", "last_visit_from", "last_visit_to", "last_coupon_from",
                "last_coupon_to")
CACHE_SECONDS = 24 * 3600  # a bound on the cache size: the keys carry the rows' version


def sort_key(text: str | None) -> str:
    """The sort asked for when it names a column (optionally '-' for descending), else sales descending."""
    key = (text or "").strip()
    return key if key.lstrip("-") in sort_fields() else DEFAULT_SORT


def _nullable(field: str) -> bool:
    """Whether a sort column can be NULL: any column across a join (a customer without a region), or a nullable one."""
    return "__" in field or bool(getattr(CustomerSnapshot._meta.get_field(field), "null", True))


def sorted_rows(qs: QuerySet[CustomerSnapshot], key: str) -> QuerySet[CustomerSnapshot]:
    field = sort_fields()[key.lstrip("-")]
    # NULLS LAST only where the column can be blank: on a NOT NULL column it changes nothing, and without it
    # PostgreSQL reads the (period, grade, sales) or (period, sales) index backwards for the default sort
    # instead of sorting every row of the period (200 ms at 50,000 rows).
    last = True if _nullable(field) else None
    order: OrderBy = F(field).desc(nulls_last=last) if key.startswith("-") else F(field).asc(nulls_last=last)
    tie = "-code" if key.startswith("-") and field == "code" else "code"
    return qs.order_by(order, tie)


@dataclass
class CustomerRows:
    """What the list shows: the period, the bound FilterSet and the filtered, sorted rows."""

    period: dt.date | None
    periods: list[dt.date]
    filterset: LiveCustomerSnapshotFilter
    sort: str
    rows: QuerySet[CustomerSnapshot]
    company_wide: bool = False

    @cached_property
    def churn(self) -> ChurnStatus:
        """Whether the period has churn scores (the model wins: the list shows the risk, else days since), and
        what the note says."""
        return churn_status(self.period)

    @cached_property
    def _asked(self) -> dict[str, Any]:
        """The filters asked for (cleaned, non-empty), all but the grade."""
        filterset = self.filterset
        if not filterset.is_bound or self.period is None:
            return {}
        filterset.is_valid()
        return {name: value for name, value in filterset.form.cleaned_data.items()
                if name != "grade" and value not in (None, "", [])}

    @cached_property
    def _rows_version(self) -> tuple[Any, ...] | None:
        """What a count or a page depends on when it depends on the period's rows alone: a company-wide user and
        filters on the rows' own columns. Those change only when the rows do, and the period's version moves
        with every write to them (analytics/snapshot_version.py). None (never cached) for a narrower scope,
        which follows the live owner and region, or a filter on the live customer."""
        if not self.company_wide or self.period is None or any(name in self._asked for name in LIVE_FILTERS):
            return None
        # The lock row's id too: a period whose row was deleted and made again starts counting from 1 again.
        version = SnapshotLock.objects.filter(period=self.period).values_list("id", "version").first()
        if version is None:
            return None
        return (fmt(self.period), version, sorted((name, repr(value)) for name, value in self._asked.items()))

    def cache_key(self, kind: str, *more: Any) -> str | None:
        return None if self._rows_version is None else cache_key(kind, self._rows_version, *more)

    @cached_property
    def _grade_counts(self) -> dict[str, int]:
        # The bound FilterSet's own filters and cleaned values, all but the grade: what a second FilterSet on the
        # same data without the grade would apply (an invalid field is left out either way), without building
        # and validating that second FilterSet and its form again. Cached when cache_key allows: a 50,000-row
        # GROUP BY on every manager's list page otherwise.
        key = self.cache_key("tabs")
        return dict(cached(key, self._count_grades, CACHE_SECONDS)) if key else self._count_grades()

    def _count_grades(self) -> dict[str, int]:
        filterset = self.filterset
        base = filterset.queryset.all()
        if filterset.is_bound and self.period is not None:
            filterset.is_valid()
            for name, value in filterset.form.cleaned_data.items():
                if name != "grade":
                    base = filterset.filters[name].filter(base, value)
        # COUNT(*), not COUNT(id): the (period, grade, ...) indexes then answer it alone (an index-only scan).
        return dict(base.order_by().values_list("grade").annotate(n=Count("*")).values_list("grade", "n"))

    def grade_counts(self) -> dict[str, int]:
        """Rows per grade with every filter except the grade one (the per-grade tabs' counts)."""
        return self._grade_counts

    def count(self) -> int:
        """How many rows match: the tabs' counts of the grades asked for (of every grade when none is asked for).

        The grade filter tests the row's own grade, so this is exactly `rows.count()` without counting again.
        """
        if self.period is None or not self.filterset.is_valid():
            return 0
        grades = self.filterset.form.cleaned_data.get("grade") or self._grade_counts
        return sum(self._grade_counts.get(g, 0) for g in set(grades))

    def page_rows(self, start: int, stop: int) -> list[ListRow]:
        """Rows start to stop (0-based, stop excluded) of the sorted matches, as ListRow with their live customer.

        The page is chosen on narrow rows (the id and the sort columns) and only its rows are then read in full:
        sorting every matching row in full (11,500 grade B rows by month-over-month) took two to three times the
        database time. The chosen ids are cached like the counts (cache_key) unless the sort is on the live
        customer; the rows themselves are always read.
        """
        live_sort = sort_fields()[self.sort.lstrip("-")].startswith("customer__")
        grades = self.filterset.form.cleaned_data.get("grade") if self.filterset.is_valid() else None
        key = None if live_sort else self.cache_key("page", sorted(grades or []), self.sort, start, stop)
        ids: Any = (
            cached(key, lambda: list(self.rows.values_list("id", flat=True)[start:stop]), CACHE_SECONDS) if key
            else self.rows.values("id")[start:stop]  # not cacheable: the page's ids as a subquery of the one query
        )
        # The period too: on PostgreSQL it confines the lookup to the period's partition (analytics/partitions.py).
        page = CustomerSnapshot.objects.filter(id__in=ids)
        if self.period is not None:
            page = page.filter(period=self.period)
        return list(list_rows(sorted_rows(page, self.sort)))


def customer_rows(*, user: Any, params: Any) -> CustomerRows:
    """The user's snapshot rows of the period in `params` (default: latest closed), filtered and sorted."""
    periods = periods_available()
    period = period_pick(params.get("period"), periods)
    scope = Scope(user=user)
    base = snapshots(scope, period) if period else CustomerSnapshot.objects.none()
    filterset = LiveCustomerSnapshotFilter(params, queryset=base, user=user)
    sort = sort_key(params.get("sort"))
    rows = filterset.qs if filterset.is_valid() else base.none()
    rows = sorted_rows(rows, sort)
    return CustomerRows(period=period, periods=periods, filterset=filterset, sort=sort, rows=rows,
                        company_wide=scope.company_wide())


@dataclass(frozen=True)
class CustomerListPage:
    """One page of the list as read: its rows, the match count, the tabs' counts and the checked filters.

    Everything the page shows is read here, so the view and its templates run no query: the rows are a list,
    the paginator pages a `range` of the match count, and the pickers' choices are read into the form.
    """

    period: dt.date | None
    periods: list[dt.date]
    form: forms.Form  # the bound filters, validated, their region and salesperson choices read if asked
    sort: str
    churn: ChurnStatus  # scored, trained, hindsight: the risk column or days since, and the note
    grade_counts: dict[str, int]  # rows per grade with every filter but the grade (the grade tabs)
    page: Page  # this page's ListRow list; page.paginator.count is the match count

    @property
    def rows(self) -> list[ListRow]:
        return list(self.page.object_list)


def customer_list_page(*, user: Any, params: Any, number: Any, size: int, choices: bool = True) -> CustomerListPage:
    """Page `number` (as Paginator.get_page reads it) of `size` rows of customer_rows(user, params); `choices`:
    also read the region and salesperson pickers' options (a results-only swap shows no filter form)."""
    data = customer_rows(user=user, params=params)
    numbers = Paginator(range(data.count()), size).get_page(number)
    span: range = numbers.object_list  # type: ignore[assignment]  # the page's row numbers
    rows = data.page_rows(span.start, span.stop) if len(span) else []
    form = data.filterset.form
    for name in USER_CHOICES if choices else ():
        # iter(): list() of the choices themselves would COUNT their rows first (ModelChoiceIterator.__len__).
        form.fields[name].choices = list(iter(form.fields[name].choices))  # type: ignore[attr-defined]
    return CustomerListPage(
        period=data.period, periods=data.periods, form=form, sort=data.sort,
        churn=data.churn,
        grade_counts=data.grade_counts() if data.period else {},
        page=Page(rows, numbers.number, numbers.paginator),
    )


def export_rows(rows: QuerySet[CustomerSnapshot], grade_labels: dict[str, str]) -> Iterator[list[Any]]:
    """The exported columns (cockpit.columns.exported) of every filtered row, in the list's order, values raw."""
    columns = exported()
    for row in list_rows(rows):
        yield [column.value(row, grade_labels) for column in columns]
