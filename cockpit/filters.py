"""The customer list's filters: one django-filter FilterSet on a period's CustomerSnapshot rows.

Every column of the list has a filter; region and salesperson choices are only what the user may see (a
salesperson cannot even name another salesperson's book). Names are the URL's parameters, so a filtered list
is a shareable link, and the dashboard's tiles and matrix cells link here with the same names.
"""

import re
from typing import Any

import django_filters as df
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from analytics.engine.grading import GRADES
from analytics.engine.rfm import QUADRANTS, SEGMENTS
from analytics.models import CustomerSnapshot, Lifecycle
from customers.models import Region, Salesperson
from customers.selectors import regions_visible, salespeople_visible

from . import labels
from .forms import FastForm, ListedModelChoiceField

GRADE_CHOICES = [(g, g) for g in GRADES]
FLAG_CHOICES = list(labels.FLAG_TEXT.items())
MOVEMENT_CHOICES = list(labels.MOVEMENT_TEXT.items())
SEGMENT_CHOICES = [(name, labels.SEGMENT_TEXT[name]) for name, *_ in SEGMENTS] + [("Others", _("Others"))]
QUADRANT_CHOICES = [(q, labels.QUADRANT_TEXT[q]) for q in QUADRANTS]
ACTION_CHOICES = list(labels.ACTION_TEXT.items())
YES_NO = [("true", _("yes")), ("false", _("no"))]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # ISO whatever the language
NUMBER = forms.NumberInput(attrs={"step": "any"})


def _checks() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "checks"})


class PickerFilter(df.ModelChoiceFilter):
    """A region or salesperson picker: its choices are read with one plain SELECT (forms.ListedChoices)."""

    field_class = ListedModelChoiceField


class LiveCustomerSnapshotFilter(df.FilterSet):
    """The list's filters of a period's snapshot rows; region, salesperson, search, visit and coupon dates test the
    customer as it is now (the API's analytics.filters.SnapshotAsRecordedFilter tests the row's own)."""

    q = df.CharFilter(method="search", label=_("Search name, code, contact or phone"),
                      widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))
    # distinct=False: a test of the row's own column cannot duplicate a row (no SELECT DISTINCT sort).
    grade = df.MultipleChoiceFilter(choices=GRADE_CHOICES, label=_("Grade"), widget=_checks(), distinct=False)
    lifecycle = df.MultipleChoiceFilter(choices=Lifecycle.choices, label=_("Lifecycle"), widget=_checks(),
                                   distinct=False)
    flag = df.MultipleChoiceFilter(choices=FLAG_CHOICES, method="flags", label=_("Flags (all of)"), widget=_checks())
    region = PickerFilter(queryset=Region.objects.none(), method="in_region", label=_("Region"),
                                  empty_label=_("All regions"), widget=forms.Select)
    salesperson = PickerFilter(queryset=Salesperson.objects.none(), field_name="customer__owner",
                                       label=_("Salesperson"), empty_label=_("All salespeople"), widget=forms.Select)
    previous_grade = df.ChoiceFilter(choices=[*GRADE_CHOICES, ("none", _("not covered"))], method="previous",
                                     label=_("Previous grade"), empty_label=_("Any"), widget=forms.Select)
    computed_grade = df.ChoiceFilter(choices=GRADE_CHOICES, label=_("Computed grade"), empty_label=_("Any"),
                                     widget=forms.Select)
    movement = df.ChoiceFilter(choices=MOVEMENT_CHOICES, label=_("Movement"), empty_label=_("Any"), widget=forms.Select)
    override = df.ChoiceFilter(choices=YES_NO, method="overridden", label=_("Grade override"), empty_label=_("Any"),
                               widget=forms.Select)
    segment = df.ChoiceFilter(choices=SEGMENT_CHOICES, field_name="rfm_segment", label=_("RFM segment"),
                              empty_label=_("Any"), widget=forms.Select)
    quadrant = df.ChoiceFilter(choices=QUADRANT_CHOICES, label=_("Value × loyalty"), empty_label=_("Any"),
                               widget=forms.Select)
    action = df.ChoiceFilter(choices=ACTION_CHOICES, label=_("Recommended action"), empty_label=_("Any"),
                             widget=forms.Select)
    orders_min = df.NumberFilter(field_name="orders", lookup_expr="gte", label=_("Orders at least"),
                                 widget=forms.NumberInput)
    orders_max = df.NumberFilter(field_name="orders", lookup_expr="lte", label=_("Orders at most"),
                                 widget=forms.NumberInput)
    sales_min = df.NumberFilter(field_name="sales", lookup_expr="gte", label=_("Sales at least (¥)"), widget=NUMBER)
    sales_max = df.NumberFilter(field_name="sales", lookup_expr="lte", label=_("Sales at most (¥)"), widget=NUMBER)
    mom_min = df.NumberFilter(method="growth", label=_("Month-over-month at least (%)"), widget=NUMBER)
    mom_max = df.NumberFilter(method="growth", label=_("Month-over-month at most (%)"), widget=NUMBER)
    yoy_min = df.NumberFilter(method="growth", label=_("Year-over-year at least (%)"), widget=NUMBER)
    yoy_max = df.NumberFilter(method="growth", label=_("Year-over-year at most (%)"), widget=NUMBER)
    receivable_min = df.NumberFilter(field_name="receivable", lookup_expr="gte", label=_("Receivable at least (¥)"),
                                     widget=NUMBER)
    overdue_min = df.NumberFilter(field_name="overdue", lookup_expr="gte", label=_("Overdue at least (¥)"),
                                  widget=NUMBER)
    churn_min = df.NumberFilter(method="churn_at_least", label=_("Churn risk at least (%)"), widget=NUMBER)
    days_since_min = df.NumberFilter(field_name="days_since_last_order", lookup_expr="gte",
                                     label=_("Days since last order at least"), widget=forms.NumberInput)
    last_order_from = df.DateFilter(field_name="last_order_date", lookup_expr="gte", label=_("Last order from"),
                                    widget=DATE)
    last_order_to = df.DateFilter(field_name="last_order_date", lookup_expr="lte", label=_("Last order to"),
                                  widget=DATE)
    last_visit_from = df.DateFilter(field_name="customer__last_visit_date", lookup_expr="gte",
                                    label=_("Last visit from"), widget=DATE)
    last_visit_to = df.DateFilter(method="before_or_never", field_name="customer__last_visit_date",
                                  label=_("Last visit to (or never)"), widget=DATE)
    last_coupon_from = df.DateFilter(field_name="customer__last_coupon_date", lookup_expr="gte",
                                     label=_("Last coupon from"), widget=DATE)
    last_coupon_to = df.DateFilter(method="before_or_never", field_name="customer__last_coupon_date",
                                   label=_("Last coupon to (or never)"), widget=DATE)
    # The dashboard's month-to-date numbers open the customers behind them: today's pulse state, not the period's.
    pulse = df.ChoiceFilter(choices=[*Lifecycle.choices, *FLAG_CHOICES], method="in_pulse",
                            label=_("Month to date (pulse)"), empty_label=_("Any"))

    class Meta:
        model = CustomerSnapshot
        fields: list[str] = []
        form = FastForm  # django-filter's documented Meta.form

    def __init__(self, data: Any = None, queryset: QuerySet[CustomerSnapshot] | None = None, *, user: Any,
                 **kwargs: Any) -> None:
        super().__init__(data, queryset, **kwargs)
        self.user = user
        self.filters["region"].queryset = regions_visible(user=user)
        self.filters["salesperson"].queryset = salespeople_visible(user=user)

    def search(self, qs: QuerySet[CustomerSnapshot], name: str, value: str) -> QuerySet[CustomerSnapshot]:
        value = value.strip()
        if not value:
            return qs
        q = Q(code__icontains=value) | Q(customer__name__icontains=value) | Q(customer__contact__icontains=value)
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 4:
            q |= Q(customer__mobile__contains=digits)
        return qs.filter(q)

    def flags(self, qs: QuerySet[CustomerSnapshot], name: str, value: list[str]) -> QuerySet[CustomerSnapshot]:
        return qs.filter(**dict.fromkeys(value, True)) if value else qs

    def in_region(self, qs: QuerySet[CustomerSnapshot], name: str, value: Region) -> QuerySet[CustomerSnapshot]:
        return qs.filter(value.subtree_q(prefix="customer__region__")) if value else qs

    def previous(self, qs: QuerySet[CustomerSnapshot], name: str, value: str) -> QuerySet[CustomerSnapshot]:
        return qs.filter(previous_grade="" if value == "none" else value)

    def overridden(self, qs: QuerySet[CustomerSnapshot], name: str, value: str) -> QuerySet[CustomerSnapshot]:
        return qs.filter(override_active=value == "true")

    def growth(self, qs: QuerySet[CustomerSnapshot], name: str, value: Any) -> QuerySet[CustomerSnapshot]:
        if value is None:
            return qs
        field = "mom_growth" if name.startswith("mom") else "yoy_growth"
        lookup = "gte" if name.endswith("min") else "lte"
        return qs.filter(**{f"{field}__{lookup}": float(value) / 100})

    def churn_at_least(self, qs: QuerySet[CustomerSnapshot], name: str, value: Any) -> QuerySet[CustomerSnapshot]:
        return qs.filter(churn_risk__gte=float(value) / 100) if value is not None else qs

    def in_pulse(self, qs: QuerySet[CustomerSnapshot], name: str, value: str) -> QuerySet[CustomerSnapshot]:
        if not value:
            return qs
        if value in Lifecycle.values:
            return qs.filter(customer__pulse__lifecycle=value)
        return qs.filter(**{f"customer__pulse__{value}": True})

    def before_or_never(self, qs: QuerySet[CustomerSnapshot], name: str, value: Any) -> QuerySet[CustomerSnapshot]:
        field = "customer__last_visit_date" if "visit" in name else "customer__last_coupon_date"
        return qs.filter(Q(**{f"{field}__lte": value}) | Q(**{f"{field}__isnull": True})) if value else qs


BASIC = ("q", "grade", "lifecycle", "region", "salesperson", "flag")
# The pickers whose choices are only what the user may see (regions_visible, salespeople_visible).
USER_CHOICES = ("region", "salesperson")
# Shown only when the period has churn scores (churn_min) or has none (days_since_min): see the list view.
RISK_FILTERS = {True: "churn_min", False: "days_since_min"}
