"""Coupon campaigns sent by SMS, exactly once per (campaign, customer) (issue 5)."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.money import format_yuan
from customers.models import Customer

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
PROVIDERS = [("", _("free text (HTTP gateway)")), ("aliyun", _("Aliyun SMS")), ("tencent", _("Tencent Cloud SMS"))]


class Campaign(models.Model):
    """A coupon offer and the SMS that carries it. Managers and admins create them; salespeople use them."""

    class Kind(models.TextChoices):
        FACE_VALUE = "face_value", _("face value (CNY off)")
        # xgettext:no-python-format (the % is a percent sign: without this makemessages marks the entry fuzzy)
        DISCOUNT = "discount", _("discount (% off)")

    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.FACE_VALUE)
    value = models.DecimalField(_("value"), help_text=_("CNY off, or percent off for a discount"), **MONEY)
    min_spend = models.DecimalField(_("minimum spend"), default=Decimal("0"), **MONEY)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to (inclusive)"))
    sms_template = models.TextField(
        _("SMS template"), blank=True, help_text=_("variables: {name} {code} {value} {valid_to} {company}")
    )
    # Issue 19: a campaign sent through Aliyun or Tencent Cloud names a template the provider approved.
    provider = models.CharField(_("SMS provider"), max_length=16, choices=PROVIDERS, blank=True, default="")
    provider_template_id = models.CharField(_("provider template code / id"), max_length=64, blank=True)
    provider_sign_name = models.CharField(_("signature (sign name)"), max_length=64, blank=True)
    provider_template_text = models.TextField(_("approved template text"), blank=True)
    provider_variables = models.JSONField(_("variable mapping"), default=dict, blank=True)
    marketing = models.BooleanField(_("marketing message"), default=True)
    sms_error = models.TextField(_("sending stopped"), blank=True,
                                 help_text=_("the provider refused the template or signature; saving clears it"))
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        indexes = [models.Index(fields=["active", "valid_to"], name="campaign_active_valid")]
        constraints = [
            models.CheckConstraint(condition=Q(value__gt=0), name="campaign_value_positive"),
            models.CheckConstraint(condition=~Q(kind="discount") | Q(value__lt=100), name="campaign_discount_lt_100"),
            models.CheckConstraint(condition=Q(min_spend__gte=0), name="campaign_min_spend_not_negative"),
            models.CheckConstraint(condition=Q(valid_to__gte=F("valid_from")), name="campaign_valid_range"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def value_display(self) -> str:
        """¥20 for a face value; 8.5折 (15% off) for a discount, as Chinese customers read it."""
        if self.kind == self.Kind.DISCOUNT:
            tenths = ((Decimal(100) - self.value) / Decimal(10)).normalize()
            return f"{tenths:f}折"
        exponent = int(self.value.normalize().as_tuple().exponent)
        return format_yuan(self.value, places=max(0, -exponent))  # ¥20, ¥20.5: no cents the offer does not have

    @property
    def value_number(self) -> str:
        """The bare number the SMS variable {value} stands for: 50 (for ¥50 off), 8.5 (for 8.5折).

        A template reads "送您{value}元优惠券" or "{value}折": the unit is the template's, so it is never doubled.
        """
        if self.kind == self.Kind.DISCOUNT:
            return f"{((Decimal(100) - self.value) / Decimal(10)).normalize():f}"
        return f"{self.value.normalize():f}"


class SendRequest(models.Model):
    """One confirmed send: the idempotency key makes a retried or double-clicked POST replay `response`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(_("idempotency key"), max_length=64)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="send_requests")
    fingerprint = models.CharField(max_length=64, help_text=_("hash of campaign and selection"))
    selection = models.JSONField(_("selection"), default=dict, help_text=_("codes, or the list filter"))
    requested = models.PositiveIntegerField(_("requested"), default=0)
    queued = models.PositiveIntegerField(_("queued"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    response = models.JSONField(_("response"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("send request")
        verbose_name_plural = _("send requests")
        constraints = [
            models.UniqueConstraint(fields=["user", "idempotency_key"], name="send_request_idempotent"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.idempotency_key}"


class CareRule(models.Model):
    """A scheduled care campaign (seed 004): a segment, a campaign, a cooldown. Admins edit them."""

    class Kind(models.TextChoices):
        BIRTHDAY = "birthday", _("birthday today")
        NO_ORDER = "no_order", _("no order for N days")
        GRADE_DROPPED = "grade_dropped", _("grade dropped this month")
        WELCOME = "welcome", _("new customer welcome (first seen in the last N days)")

    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="care_rules")
    days = models.PositiveIntegerField(_("N days"), default=30, help_text=_("no order for N days; welcome window"))
    cooldown_days = models.PositiveIntegerField(
        _("cooldown (days)"), default=30, help_text=_("nobody gets this care twice within this many days")
    )
    run_as = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("run as"),
        help_text=_("the rule reaches only the customers this user may see"),
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("care rule")
        verbose_name_plural = _("care rules")

    def __str__(self) -> str:
        return self.name


class CareRun(models.Model):
    """One day's run of a care rule and who got what; (rule, run date) is unique, so a re-run is a no-op."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    rule = models.ForeignKey(CareRule, on_delete=models.CASCADE, related_name="runs")
    run_date = models.DateField(_("run date"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    matched = models.PositiveIntegerField(_("matched"), default=0)
    queued = models.PositiveIntegerField(_("queued"), default=0)
    skipped = models.JSONField(_("skipped"), default=list, help_text=_("[{code, reason}]"))
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-run_date", "-id"]
        verbose_name = _("care run")
        verbose_name_plural = _("care runs")
        constraints = [models.UniqueConstraint(fields=["rule", "run_date"], name="care_run_once_a_day")]

    def __str__(self) -> str:
        return f"{self.rule} {self.run_date}"


class CouponIssue(models.Model):
    """One coupon for one customer of one campaign, and the SMS that carries it: unique per (campaign, customer).

    queued -> sending -> sent | failed | unknown; then delivered | undelivered from the receipt. `skipped`: the
    worker found an opt-out or a full daily cap at send time, so nothing was sent.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        UNKNOWN = "unknown", _("unknown")
        DELIVERED = "delivered", _("delivered")
        UNDELIVERED = "undelivered", _("undelivered")
        SKIPPED = "skipped", _("skipped")
        INVALID = "invalid", _("invalid number")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="issues")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="coupon_issues")
    code = models.CharField(_("coupon code"), max_length=16, unique=True)
    mobile = models.CharField(_("mobile"), max_length=16, help_text=_("the number at the time it was queued"))
    message = models.TextField(_("message"), help_text=_("the exact text sent"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    provider_message_id = models.CharField(_("provider message id"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    params = models.JSONField(_("template variables"), default=dict, blank=True,
                              help_text=_("the provider template's variables, fixed when queued"))
    batch_ref = models.CharField(_("batch reference"), max_length=40, blank=True,
                                 help_text=_("OutId / SessionContext of the provider call that carried it"))
    deferrals = models.PositiveSmallIntegerField(_("deferrals"), default=0,
                                                 help_text=_("times it was put back for later (throttled, outage)"))
    resends = models.PositiveSmallIntegerField(_("automatic resends"), default=0,
                                               help_text=_("resent because the provider had no record of it"))
    claim_token = models.CharField(max_length=32, blank=True, help_text=_("the worker claim that holds the row"))
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    scheduled_for = models.DateTimeField(_("not before"), default=timezone.now, help_text=_("after quiet hours"))
    send_day = models.DateField(_("send day"), help_text=_("the business day it counts against the daily cap"))
    sending_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    send_request = models.ForeignKey(
        SendRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="issues"
    )
    care_run = models.ForeignKey(CareRun, null=True, blank=True, on_delete=models.PROTECT, related_name="issues")

    class Meta:
        ordering = ["-queued_at", "-id"]
        verbose_name = _("coupon issue")
        verbose_name_plural = _("coupon issues")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="coupon_issue_once_per_customer"),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="issue_campaign_status"),
            models.Index(fields=["status", "scheduled_for", "id"], name="issue_claim"),
            models.Index(fields=["mobile", "send_day"], name="issue_mobile_day"),
            models.Index(fields=["customer", "queued_at"], name="issue_customer_time"),
            models.Index(
                fields=["provider_message_id"], name="issue_provider_id", condition=~Q(provider_message_id="")
            ),
            models.Index(fields=["batch_ref"], name="issue_batch_ref", condition=~Q(batch_ref="")),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.customer_id} {self.code} {self.status}"


class OutboxEvent(models.Model):
    """Work written in the same transaction as the rows it concerns; a relay publishes it to Celery.

    If the broker is down when the transaction commits, the event waits here and `relay_outbox` (beat, every
    minute) publishes it later: a committed send is never lost.
    """

    class Topic(models.TextChoices):
        SEND = "send", _("send queued coupons")

    topic = models.CharField(max_length=16, choices=Topic.choices)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [
            models.Index(fields=["created_at"], name="outbox_pending", condition=Q(dispatched_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.payload} {'dispatched' if self.dispatched_at else 'pending'}"


class SmsReply(models.Model):
    """A text a customer sent back. T / TD / 退订 becomes an opt-out of every customer with that mobile."""

    class Action(models.TextChoices):
        OPT_OUT = "opt_out", _("opt-out")
        NONE = "none", _("none")

    mobile = models.CharField(_("mobile"), max_length=16)
    text = models.TextField(_("text"))
    received_at = models.DateTimeField(_("received"))
    provider_reply_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices, default=Action.NONE)
    customers = models.JSONField(_("customers opted out"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("SMS reply")
        verbose_name_plural = _("SMS replies")
        indexes = [models.Index(fields=["mobile", "received_at"], name="reply_mobile_time")]

    def __str__(self) -> str:
        return f"{self.mobile}: {self.text[:20]}"


class SmsAlert(models.Model):
    """A provider problem that stops every send until someone acts: an exhausted balance, a refused account."""

    provider = models.CharField(_("SMS provider"), max_length=16, blank=True)
    code = models.CharField(_("error code"), max_length=64)
    message = models.TextField(_("message"))
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    cleared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("SMS alert")
        verbose_name_plural = _("SMS alerts")
        constraints = [models.UniqueConstraint(fields=["provider"], condition=Q(cleared_at__isnull=True),
                                               name="sms_alert_one_open_per_provider")]

    def __str__(self) -> str:
        return f"{self.provider or 'gateway'} {self.code}"
