"""The distributor's customers, the regions they sit in and the salespeople who own them (docs/analytics.md §2)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .dates import future_date_problem
from .phones import validate_mobile

GRADES = [("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")]


class Region(models.Model):
    """A node of the province / city / district tree; `path` (广东/广州/天河) makes sub-tree queries one LIKE."""

    name = models.CharField(_("name"), max_length=64)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(_("path"), max_length=255, unique=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_in_parent"),
        ]

    def __str__(self) -> str:
        return self.path

    def subtree_q(self, prefix: str = "region__") -> Q:
        """Q matching this region and every region below it."""
        return Q(**{f"{prefix}path": self.path}) | Q(**{f"{prefix}path__startswith": self.path + "/"})


class Salesperson(models.Model):
    """A salesperson is a login user; deactivating the login keeps their customers and history."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="salesperson")
    name = models.CharField(_("name"), max_length=64, unique=True)
    mobile = models.CharField(_("mobile"), max_length=16, blank=True, validators=[validate_mobile])
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["name"]
        verbose_name = _("salesperson")
        verbose_name_plural = _("salespeople")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.user.is_active


class ManagerRegion(models.Model):
    """A regional manager sees the customers of these regions and their sub-regions. None means nothing (unless
    the manager is marked company-wide: customers.roles.COMPANY_WIDE), never all.

    A region that scopes a manager cannot be deleted (PROTECT): the admin says which manager holds it, and the
    manager's regions are changed explicitly first (issue 17 item 2: deleting a manager's only region once made
    them company-wide).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="managed_regions")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="managers")

    class Meta:
        verbose_name = _("manager region")
        verbose_name_plural = _("manager regions")
        constraints = [models.UniqueConstraint(fields=["user", "region"], name="manager_region_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.region}"


class Customer(models.Model):
    """A customer of the distributor. The company owns it; `owner` is the salesperson who looks after it."""

    code = models.CharField(_("customer code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=128)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="customers")
    owner = models.ForeignKey(
        Salesperson, null=True, blank=True, on_delete=models.PROTECT, related_name="customers",
        verbose_name=_("salesperson"),
    )
    contact = models.CharField(_("contact person"), max_length=64, blank=True)
    mobile = models.CharField(_("mobile"), max_length=16, blank=True, validators=[validate_mobile])
    address = models.CharField(_("address"), max_length=255, blank=True)
    tags = models.CharField(_("tags"), max_length=255, blank=True, help_text=_("comma-separated"))
    # The distributor's own words (便利店, 餐饮, 超市...): cross-sell's "popular in the region and shop type"
    # baseline groups by it, and reads it from the name where it is blank (analytics.crosssell.data.segments).
    shop_type = models.CharField(
        _("shop type"), max_length=32, blank=True,
        help_text=_("convenience store, restaurant, supermarket...; blank: read from the name"),
    )
    first_seen = models.DateField(_("first seen"), null=True, blank=True)
    credit_days = models.PositiveIntegerField(_("credit days"), default=0, help_text=_("0 = cash"))
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    sms_opt_out_at = models.DateTimeField(_("SMS opt-out time"), null=True, blank=True)
    last_visit_date = models.DateField(_("last visit"), null=True, blank=True)
    last_coupon_date = models.DateField(_("last coupon"), null=True, blank=True)
    override_grade = models.CharField(_("override grade"), max_length=1, choices=GRADES, blank=True)
    override_reason = models.CharField(_("override reason"), max_length=255, blank=True)
    override_until = models.DateField(_("override until (inclusive)"), null=True, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["owner", "code"], name="customer_owner_code"),
            models.Index(fields=["region", "code"], name="customer_region_code"),
            models.Index(fields=["mobile"], name="customer_mobile"),
            models.Index(fields=["name"], name="customer_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(override_grade="") | Q(override_until__isnull=False),
                name="customer_override_has_end_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def sms_opt_out(self) -> bool:
        return self.sms_opt_out_at is not None


class CustomerAlias(models.Model):
    """An old code of a merged customer: later imports under it land on the survivor."""

    code = models.CharField(_("old code"), max_length=32, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="aliases")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("customer alias")
        verbose_name_plural = _("customer aliases")

    def __str__(self) -> str:
        return f"{self.code} → {self.customer.code}"


class OwnershipChange(models.Model):
    """History of who owned a customer: seed 001, the customer belongs to the company, not the salesperson."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="ownership_changes")
    from_salesperson = models.ForeignKey(
        Salesperson, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_salesperson = models.ForeignKey(Salesperson, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("ownership change")
        verbose_name_plural = _("ownership changes")
        indexes = [models.Index(fields=["customer", "changed_at"], name="ownership_customer_time")]

    def __str__(self) -> str:
        return f"{self.customer.code}: {self.from_salesperson} → {self.to_salesperson}"


class Visit(models.Model):
    """A visit, call or message to a customer, with its outcome and the next follow-up."""

    class Kind(models.TextChoices):
        ONSITE = "onsite", _("On-site")
        PHONE = "phone", _("Phone")
        MESSAGE = "message", pgettext_lazy("visit kind", "Message")  # 消息 (WeChat too), not 短信

    visit_no = models.CharField(_("visit number"), max_length=64, null=True, blank=True, unique=True)
    row_key = models.CharField(
        max_length=64, null=True, blank=True, unique=True, help_text=_("hash of the imported row, when no visit_no")
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="visits")
    salesperson = models.ForeignKey(
        Salesperson, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ONSITE)
    # Blank only on imported history (another system's records, kept as they were); the form and the API require it.
    note = models.TextField(_("outcome"), blank=True)
    next_date = models.DateField(_("next follow-up"), null=True, blank=True)
    # Who typed it in: a manager logging a call for a salesperson's customer is not that salesperson
    # (`salesperson` stays the customer's owner, whose follow-up it is). The importing user for imported rows.
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("logged by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [models.Index(fields=["customer", "date"], name="visit_customer_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_date__isnull=True) | Q(next_date__gte=models.F("date")),
                name="visit_next_after_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer.code} {self.date} {self.kind}"

    def clean(self) -> None:
        """The back office's forms refuse what visit_log and the importers refuse: a date after tomorrow."""
        problem = future_date_problem(self.date) if self.date else None
        if problem:
            raise ValidationError({"date": problem})


class AuditLog(models.Model):
    """Who did what, when: overrides, reassignments, merges, exports, coupon sends, policy changes."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(_("action"), max_length=48, db_index=True)
    target = models.CharField(_("target"), max_length=128, blank=True, help_text=_("e.g. customer:00123"))
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.target}"


class ApiToken(models.Model):
    """An API key of an integrator (issue 17 item 6). Only its SHA-256 is stored; the key is shown once.

    The key is 40 random URL-safe characters (240 bits), so one fast hash suffices: nothing can be guessed from
    the digest, and a lookup by digest is one index probe. `prefix` (the key's first 8 characters) lets a person tell
    keys apart in lists without storing anything that authenticates.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=64, blank=True)
    prefix = models.CharField(_("key starts with"), max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}… {self.name}".strip()
