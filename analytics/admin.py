"""Back office for the analytics tables: read-only, scoped like the pages.

Every row here is derived (snapshots, summaries, runs) or the record of a change made elsewhere (policy versions,
jobs, churn models): editing one by hand would contradict what it is derived from, so nothing can be added,
changed or deleted here; the settings pages and the jobs write them. A customer's rows (snapshots, pulse) go
through the same scoping as the lists (customers.admin.ScopedCustomerAdmin); company-wide tables (period
summaries, policies, runs, jobs, models) are for admins only, as the settings pages are.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from customers.admin import ScopedCustomerAdmin
from customers.roles import is_admin

from .models import (
    BackgroundJob,
    ChurnModel,
    CustomerPulse,
    CustomerSnapshot,
    GradingPolicy,
    PeriodSummary,
    SnapshotRun,
    StalePeriod,
)
from .tuning.forms import METHOD_LABELS


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never edited from the back office."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CompanyWideAdmin(ReadOnlyAdmin):
    """Tables of the whole company: admins only (a manager of one province must not read the national totals)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_admin(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request.user) and super().has_view_permission(request, obj)


class ScopedReadOnlyAdmin(ReadOnlyAdmin, ScopedCustomerAdmin):
    """A customer's derived rows: only those of customers the staff user may see."""


@admin.register(CustomerSnapshot)
class CustomerSnapshotAdmin(ScopedReadOnlyAdmin):
    list_display = ["period", "code", "customer", "grade", "computed_grade", "previous_grade", "lifecycle", "sales",
                    "orders", "receivable", "overdue", "salesperson", "action"]
    list_filter = ["grade", "lifecycle"]
    search_fields = ["=code", "customer__name"]
    list_select_related = ["customer", "salesperson"]
    ordering = ["-period", "code"]
    list_per_page = 50
    show_full_result_count = False  # millions of rows: no second COUNT(*) per page


@admin.register(CustomerPulse)
class CustomerPulseAdmin(ScopedReadOnlyAdmin):
    list_display = ["customer", "as_of", "lifecycle", "is_new", "days_since_last_order", "sales_surge",
                    "sales_plunge", "orders_surge", "orders_plunge"]
    list_filter = ["lifecycle", "is_new", "sales_surge", "sales_plunge"]
    search_fields = ["=customer__code", "customer__name"]
    list_select_related = ["customer"]
    show_full_result_count = False


@admin.register(PeriodSummary)
class PeriodSummaryAdmin(CompanyWideAdmin):
    list_display = ["period", "customers", "buying_customers", "orders", "sales", "avg_order_value", "policy",
                    "computed_at", "restated"]
    list_select_related = ["policy"]
    ordering = ["-period"]


@admin.register(SnapshotRun)
class SnapshotRunAdmin(CompanyWideAdmin):
    list_display = ["period", "kind", "status", "policy", "rows", "started_at", "finished_at", "restated", "reason"]
    list_filter = ["kind", "status"]
    list_select_related = ["policy"]
    ordering = ["-started_at", "-id"]


@admin.register(StalePeriod)
class StalePeriodAdmin(CompanyWideAdmin):
    list_display = ["period", "marked_at", "reason"]
    ordering = ["period"]


@admin.register(GradingPolicy)
class GradingPolicyAdmin(CompanyWideAdmin):
    list_display = ["version", "method", "is_active", "created_at", "created_by", "comment"]
    list_select_related = ["created_by"]

    @admin.display(description=_("Grading method"))
    def method(self, obj: GradingPolicy) -> str:
        code = obj.data.get("method", "")
        return str(METHOD_LABELS.get(code, code))


@admin.register(BackgroundJob)
class BackgroundJobAdmin(CompanyWideAdmin):
    list_display = ["created_at", "kind", "status", "done", "total", "created_by", "finished_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["created_by"]


@admin.register(ChurnModel)
class ChurnModelAdmin(CompanyWideAdmin):
    list_display = ["trained_at", "as_of", "algorithm", "horizon_days", "beats_baseline"]
    exclude = ["blob"]  # the pickled model: bytes, not something to read
