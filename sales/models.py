"""What customers bought and paid (docs/analytics.md §2): orders with lines, returns as negative orders, payments,
imports."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, Salesperson

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


class Category(models.Model):
    """A product category, nested; `path` is 饮料/碳酸饮料."""

    name = models.CharField(_("name"), max_length=64)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(_("path"), max_length=255, unique=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.path


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=128)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="products")
    unit_cost = models.DecimalField(_("unit cost"), null=True, blank=True, **MONEY)

    class Meta:
        ordering = ["sku"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class ImportBatch(models.Model):
    """One import of one file: who, when, its hash, what it changed and which periods it touched."""

    class Kind(models.TextChoices):
        SALES = "sales", _("sales")
        CUSTOMERS = "customers", _("customers")
        PAYMENTS = "payments", _("payments")
        VISITS = "visits", _("visits")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        INVALID = "invalid", _("invalid")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    file_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    periods = models.JSONField(_("periods touched"), default=list, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("error count"), default=0)
    # Progress of a queued import (the API's jobs): the stage ("validating", "writing") and rows done of total.
    stage = models.CharField(_("stage"), max_length=16, blank=True)
    progress_done = models.PositiveIntegerField(_("rows done"), default=0)
    progress_total = models.PositiveIntegerField(_("rows in stage"), default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        indexes = [
            # The duplicate-start check of the API's jobs looks up the active batches of a file.
            models.Index(fields=["sha256", "kind"], name="importbatch_active_file",
                         condition=Q(status__in=["queued", "running"])),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.status})"


class ImportUpload(models.Model):
    """The file of a queued import, kept in the database until its task has read it: the web process and the
    worker may run on different machines (docker-compose gives them no shared volume), and both reach the
    database. Bounded by IMPORT_MAX_UPLOAD_MB; deleted when the import finishes."""

    batch = models.OneToOneField(ImportBatch, primary_key=True, on_delete=models.CASCADE, related_name="upload")
    data = models.BinaryField()

    class Meta:
        verbose_name = _("import upload")
        verbose_name_plural = _("import uploads")

    def __str__(self) -> str:
        return f"upload of import {self.batch_id}"


class Order(models.Model):
    """An order or a return (negative amount). Cancelled orders never count."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        CANCELLED = "cancelled", _("cancelled")

    order_no = models.CharField(_("order number"), max_length=64, unique=True)
    # No index of its own: order_customer_date leads with it (sales 0003).
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders", db_index=False)
    salesperson = models.ForeignKey(
        Salesperson, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    order_date = models.DateField(_("order date"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.CONFIRMED)
    amount = models.DecimalField(_("amount"), **MONEY)
    cost = models.DecimalField(_("cost"), default=0, **MONEY)
    coupon_code = models.CharField(_("coupon code"), max_length=32, blank=True)
    # Hash of the imported lines: re-importing an unchanged order is a no-op, a changed one is replaced.
    content_hash = models.CharField(max_length=64, blank=True)
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-order_date", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["customer", "order_date"], name="order_customer_date"),
            models.Index(fields=["order_date", "customer"], name="order_date_customer"),
            models.Index(fields=["coupon_code"], name="order_coupon", condition=~Q(coupon_code="")),
        ]

    def __str__(self) -> str:
        return self.order_no


class OrderLine(models.Model):
    """A line of an order; amount and cost are line totals and share the quantity's sign."""

    # No index of its own: orderline_unique_line_no leads with it (sales 0003).
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", db_index=False)
    line_no = models.PositiveIntegerField(_("line"))
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="lines")
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3, default=0)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=4, null=True, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    cost = models.DecimalField(_("cost"), default=0, **MONEY)

    class Meta:
        ordering = ["order", "line_no"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="orderline_unique_line_no"),
            # A return line has a negative quantity and amount; the two never disagree in sign.
            models.CheckConstraint(
                condition=Q(quantity__gte=0, amount__gte=0) | Q(quantity__lte=0, amount__lte=0),
                name="orderline_quantity_amount_same_sign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order.order_no}#{self.line_no}"


class Payment(models.Model):
    """A customer's payment; allocated oldest-first against receivables (sales.receivables)."""

    payment_no = models.CharField(_("payment number"), max_length=64, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments")
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [models.Index(fields=["customer", "date"], name="payment_customer_date")]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return self.payment_no


class CustomerMonth(models.Model):
    """A customer's live (non-cancelled) orders of one calendar month, summed: the snapshot's monthly rollup.

    Kept by database triggers on sales_order (sales/rollup.py), never by Python code: every writer of orders
    (imports, the demo seed, merges, the admin, a clerk's raw SQL) keeps it right without knowing it exists.
    `rollup_check` compares it with the orders; `rollup_rebuild` rebuilds it from them.
    """

    # Internal: no admin, no labels to translate. No index beyond the key: the snapshot reads a year or more of
    # months, a sequential scan, and an index on month doubled what the triggers cost an import.
    pk = models.CompositePrimaryKey("customer", "month")
    # Hidden reverse relation: a merge moves the orders and the triggers move these rows with them. No database
    # constraint: only the triggers write here, with ids from orders that have theirs; checking each new row at
    # commit cost a 1M-line import about 5 s (a tenth of it).
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", db_index=False,
                                 db_constraint=False)
    month = models.DateField()  # the first day of the month
    sales = models.DecimalField(max_digits=16, decimal_places=2)
    cost = models.DecimalField(max_digits=16, decimal_places=2)
    # Receivables need the invoiced (positive) part apart from the returns.
    positive_sales = models.DecimalField(max_digits=16, decimal_places=2)
    orders = models.PositiveIntegerField()  # positive orders, as docs/analytics.md §2 counts them
    first_any = models.DateField()  # earliest order of any amount: coverage
    first_positive = models.DateField(null=True)
    last_positive = models.DateField(null=True)

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m}"
