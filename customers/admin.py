"""Back-office admin for customers. The changelist goes through the scoping selector like every other read."""

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.utils.translation import gettext_lazy as _

from .models import (
    ApiToken,
    AuditLog,
    Customer,
    CustomerAlias,
    ManagerRegion,
    OwnershipChange,
    Region,
    Salesperson,
    Visit,
)
from .selectors import customer_scope_q
from .services import customer_last_visit_refresh


class ScopedCustomerAdmin(admin.ModelAdmin):
    """Admin pages for rows of a customer: a staff user only ever sees their own scope."""

    customer_path = "customer"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        prefix = f"{self.customer_path}__" if self.customer_path else ""
        return qs.filter(customer_scope_q(request.user, prefix=prefix))


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["path", "name", "parent"]
    search_fields = ["path", "name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


@admin.register(Salesperson)
class SalespersonAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "mobile", "region", "active"]
    search_fields = ["name", "user__username", "mobile"]
    list_filter = ["user__is_active", "region"]
    list_select_related = ["user", "region"]
    autocomplete_fields = ["user", "region"]

    @admin.display(boolean=True, description=_("active"))
    def active(self, obj: Salesperson) -> bool:
        return obj.user.is_active


@admin.register(ManagerRegion)
class ManagerRegionAdmin(admin.ModelAdmin):
    list_display = ["user", "region"]
    autocomplete_fields = ["user", "region"]


class VisitInline(admin.TabularInline):
    model = Visit
    extra = 0
    fields = ["date", "kind", "salesperson", "note", "next_date"]
    autocomplete_fields = ["salesperson"]
    show_change_link = True


@admin.register(Customer)
class CustomerAdmin(ScopedCustomerAdmin):
    customer_path = ""
    list_display = [
        "code", "name", "region", "owner", "contact", "mobile", "credit_days", "first_seen",
        "override_grade", "opted_out",
    ]
    list_filter = [
        "owner", "shop_type", "credit_days", "override_grade", ("sms_opt_out_at", admin.EmptyFieldListFilter), "region",
    ]
    search_fields = ["code", "name", "mobile", "contact", "aliases__code"]
    list_select_related = ["region", "owner"]
    autocomplete_fields = ["region", "owner"]
    # The override is set on its own page (customers/views/overrides.py), whose service validates, audits and
    # gives the stored periods the new grade at once; a bare field edit here would do none of that.
    readonly_fields = ["created_at", "updated_at", "override_grade", "override_reason", "override_until", "override_by"]
    date_hierarchy = "first_seen"
    list_per_page = 50
    inlines = [VisitInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Visits added, changed or deleted inline: the last visit date is derived from them (issue 17 item 7).
        customer_last_visit_refresh(customer_ids=[form.instance.pk])
    fieldsets = [
        (None, {"fields": ["code", "name", "region", "owner", "shop_type", "tags"]}),
        (_("Contact"), {"fields": ["contact", "mobile", "address", "birthday", "sms_opt_out_at"]}),
        (_("Terms"), {"fields": ["credit_days", "first_seen"]}),
        (_("Grade override"), {"fields": ["override_grade", "override_reason", "override_until", "override_by"]}),
        (_("Activity"), {"fields": ["last_visit_date", "last_coupon_date", "created_at", "updated_at"]}),
    ]

    @admin.display(boolean=True, description=_("SMS opt-out"))
    def opted_out(self, obj: Customer) -> bool:
        return obj.sms_opt_out


@admin.register(CustomerAlias)
class CustomerAliasAdmin(ScopedCustomerAdmin):
    list_display = ["code", "customer", "created_at"]
    search_fields = ["code", "customer__code", "customer__name"]
    autocomplete_fields = ["customer"]


@admin.register(OwnershipChange)
class OwnershipChangeAdmin(ScopedCustomerAdmin):
    list_display = ["customer", "from_salesperson", "to_salesperson", "changed_at", "changed_by", "reason"]
    list_filter = ["to_salesperson", "from_salesperson"]
    search_fields = ["customer__code", "customer__name", "reason"]
    list_select_related = ["customer", "from_salesperson", "to_salesperson", "changed_by"]
    date_hierarchy = "changed_at"

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # history is not rewritten


@admin.register(Visit)
class VisitAdmin(ScopedCustomerAdmin):
    list_display = ["date", "customer", "salesperson", "kind", "next_date", "short_note", "logged_by"]
    list_filter = ["kind", "salesperson", "date"]
    search_fields = ["customer__code", "customer__name", "note", "visit_no"]
    list_select_related = ["customer", "salesperson", "logged_by"]
    autocomplete_fields = ["customer", "salesperson"]
    readonly_fields = ["logged_by", "created_at"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        if not change:  # who typed it in, as on the profile and the API
            obj.logged_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("outcome"))
    def short_note(self, obj: Visit) -> str:
        return obj.note[:60]


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "action", "target"]
    list_filter = ["action"]
    search_fields = ["target", "user__username"]
    date_hierarchy = "at"
    readonly_fields = ["at", "user", "action", "target", "details"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# DRF's Tokens page listed every key in full; keys are hashes now (customers.ApiToken) and the old table is empty.
try:
    from rest_framework.authtoken.models import TokenProxy

    admin.site.unregister(TokenProxy)
except (ImportError, NotRegistered):
    pass


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API keys by owner, name, first characters and dates; the key itself is never stored, so never shown.
    New keys are made in Settings → Users (shown once there); here they can only be looked at or deleted."""

    list_display = ["user", "name", "prefix", "created_at", "expires_at", "last_used_at"]
    search_fields = ["user__username", "name", "prefix"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at"]
    exclude = ["digest"]

    def has_add_permission(self, request):
        return False
