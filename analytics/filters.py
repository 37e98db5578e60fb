"""django-filter sets for snapshot rows; choices and lookups stay inside the caller's scope."""

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from analytics.models import CustomerSnapshot, Lifecycle
from customers.models import GRADES

MOVEMENTS = [("up", "up"), ("down", "down"), ("same", "same")]


class SnapshotAsRecordedFilter(filters.FilterSet):
    """The API's filters of snapshot rows as the period recorded them: region and salesperson are the row's own
    (who owned the customer then), not the customer's today (the list's cockpit.filters.LiveCustomerSnapshotFilter).

    Filters of docs/interfaces.md §5 / issue 3: period, grades, movement, lifecycle, flags, region, salesperson, search.

    The multiple-choice filters test the row's own columns and cannot duplicate a row: distinct=False, since
    django-filter's default SELECT DISTINCT over every column turned a page of grade B into a sort on disk.
    """

    period = filters.CharFilter(method="filter_period", label="period YYYY-MM (default: the latest)")
    grade = filters.MultipleChoiceFilter(choices=GRADES, distinct=False)
    previous_grade = filters.MultipleChoiceFilter(choices=GRADES, distinct=False)
    computed_grade = filters.MultipleChoiceFilter(choices=GRADES, distinct=False)
    movement = filters.MultipleChoiceFilter(choices=MOVEMENTS, distinct=False)
    lifecycle = filters.MultipleChoiceFilter(choices=Lifecycle.choices, distinct=False)
    is_new = filters.BooleanFilter()
    sales_surge = filters.BooleanFilter()
    sales_plunge = filters.BooleanFilter()
    orders_surge = filters.BooleanFilter()
    orders_plunge = filters.BooleanFilter()
    override_active = filters.BooleanFilter()
    rfm_segment = filters.CharFilter()
    quadrant = filters.CharFilter()
    action = filters.CharFilter()
    region = filters.CharFilter(method="filter_region", label="region path, sub-regions included")
    salesperson = filters.CharFilter(field_name="salesperson__name")
    search = filters.CharFilter(method="filter_search", label="name, code or mobile contains")
    min_sales = filters.NumberFilter(field_name="sales", lookup_expr="gte")
    max_sales = filters.NumberFilter(field_name="sales", lookup_expr="lte")
    has_overdue = filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = CustomerSnapshot
        fields: list[str] = []

    def filter_period(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        from analytics.periods import parse_period

        try:
            return qs.filter(period=parse_period(value))
        except ValueError:
            return qs.none()

    def filter_region(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(Q(region__path=value) | Q(region__path__startswith=value + "/"))

    def filter_search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return qs.filter(
            Q(code__icontains=value) | Q(customer__name__icontains=value) | Q(customer__mobile__contains=value)
        )

    def filter_overdue(self, qs: QuerySet, name: str, value: bool) -> QuerySet:
        return qs.filter(overdue__gt=0) if value else qs.filter(overdue=0)
