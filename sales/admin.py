"""Back-office admin for orders, payments, products and import batches, scoped like every read."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from customers.admin import ScopedCustomerAdmin

from .models import Category, ImportBatch, Order, OrderLine, Payment, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["path", "name", "parent"]
    search_fields = ["path", "name"]
    autocomplete_fields = ["parent"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "category", "unit_cost"]
    search_fields = ["sku", "name"]
    list_filter = ["category"]
    list_select_related = ["category"]
    autocomplete_fields = ["category"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ["line_no", "product", "quantity", "unit_price", "amount", "cost"]
    autocomplete_fields = ["product"]


@admin.register(Order)
class OrderAdmin(ScopedCustomerAdmin):
    list_display = ["order_no", "order_date", "customer", "salesperson", "status", "amount", "cost", "coupon_code"]
    list_filter = ["status", "order_date", "salesperson"]
    search_fields = ["order_no", "customer__code", "customer__name", "coupon_code"]
    list_select_related = ["customer", "salesperson"]
    autocomplete_fields = ["customer", "salesperson"]
    readonly_fields = ["content_hash", "import_batch"]
    date_hierarchy = "order_date"
    list_per_page = 50
    show_full_result_count = False  # COUNT(*) over millions of orders is not worth it on every page
    inlines = [OrderLineInline]


@admin.register(Payment)
class PaymentAdmin(ScopedCustomerAdmin):
    list_display = ["payment_no", "date", "customer", "amount"]
    list_filter = ["date"]
    search_fields = ["payment_no", "customer__code", "customer__name"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    date_hierarchy = "date"


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "started_at", "kind", "file_name", "user", "status", "dry_run", "rows", "created", "updated", "unchanged",
        "error_count",
    ]
    list_filter = ["kind", "status", "dry_run"]
    search_fields = ["file_name", "sha256"]
    list_select_related = ["user"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    @admin.display(description=_("errors"))
    def error_count(self, obj: ImportBatch) -> int:
        return len(obj.errors or [])

    def has_add_permission(self, request) -> bool:
        return False
