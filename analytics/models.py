"""Grading policies and the monthly snapshot tables the cockpit reads (docs/analytics.md §3 "What a snapshot keeps")."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import GRADES, Customer, Region, Salesperson

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


class GradingPolicy(models.Model):
    """One version of the grading policy (docs/policy.md); exactly one is active."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    data = models.JSONField(_("policy"))
    is_active = models.BooleanField(_("active"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    comment = models.CharField(_("comment"), max_length=255, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("grading policy")
        verbose_name_plural = _("grading policies")
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_policy"),
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.data.get('method', '')}"


class Lifecycle(models.TextChoices):
    NEVER = "never", _("Never bought")
    CHURNED = "churned", _("Churned")
    AT_RISK = "at_risk", _("About to churn")
    ACTIVE = "active", _("Active")


class SnapshotRun(models.Model):
    """One computation of one period: what ran, with which policy, how long each stage took, how it ended."""

    class Kind(models.TextChoices):
        MONTH = "month", _("Monthly close")
        PULSE = "pulse", _("Daily pulse")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.MONTH)
    period = models.DateField(_("period"), help_text=_("first day of the month"))
    as_of = models.DateField(_("as of"))
    policy = models.ForeignKey(GradingPolicy, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    seconds_aggregate = models.FloatField(default=0)
    seconds_engine = models.FloatField(default=0)
    seconds_write = models.FloatField(default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    error = models.TextField(_("error"), blank=True)
    restated = models.BooleanField(_("restated"), default=False)
    reason = models.CharField(_("reason"), max_length=255, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("snapshot run")
        verbose_name_plural = _("snapshot runs")
        indexes = [models.Index(fields=["kind", "period", "status"], name="run_kind_period_status")]

    def __str__(self) -> str:
        return f"{self.kind} {self.period:%Y-%m} {self.status}"


class PeriodSummary(models.Model):
    """The dashboard's figures of one closed period, written with its snapshot rows."""

    period = models.DateField(_("period"), unique=True)
    run = models.ForeignKey(SnapshotRun, on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(GradingPolicy, on_delete=models.PROTECT, related_name="+")
    customers = models.PositiveIntegerField(default=0)
    buying_customers = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)
    sales = models.DecimalField(**MONEY)
    avg_order_value = models.DecimalField(null=True, blank=True, **MONEY)
    data = models.JSONField(default=dict, help_text=_("per grade and lifecycle, transitions, flags, control"))
    computed_at = models.DateTimeField(_("computed"))
    first_computed_at = models.DateTimeField(_("first computed"))
    restated = models.BooleanField(_("restated"), default=False)
    restated_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-period"]
        verbose_name = _("period summary")
        verbose_name_plural = _("period summaries")

    def __str__(self) -> str:
        return f"{self.period:%Y-%m}"


class StalePeriod(models.Model):
    """A closed period whose inputs changed (an import, a merge): the recompute task picks it up."""

    period = models.DateField(unique=True)
    marked_at = models.DateTimeField(auto_now=True)
    reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["period"]
        verbose_name = _("period to recompute")
        verbose_name_plural = _("periods to recompute")

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} stale"


class CustomerSnapshot(models.Model):
    """One customer as of the last day of a period: every column of `export_snapshot` (docs/interfaces.md §3)."""

    period = models.DateField(_("period"))
    # No single-column FK indexes: (customer, period), (period, region) and (period, salesperson, grade) below
    # serve every lookup, and each extra index is paid on every 50k-row snapshot write.
    # No database constraint either (Django's CASCADE still deletes a customer's rows): the rows are a partition
    # per period on PostgreSQL (analytics/partitions.py), and dropping a partition that references the customers
    # would lock the customers table against every reader of the cockpit until the recompute commits.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="snapshots", db_index=False,
                                 db_constraint=False)
    code = models.CharField(_("customer code"), max_length=32)
    # Region and salesperson as they were at T, with no database constraint: checking 100,000 references at
    # commit cost half a second per snapshot, and Django's SET_NULL still clears them if one is deleted.
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               db_index=False, db_constraint=False)
    salesperson = models.ForeignKey(Salesperson, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    db_index=False, db_constraint=False)
    grade = models.CharField(_("grade"), max_length=1, choices=GRADES)
    computed_grade = models.CharField(_("computed grade"), max_length=1, choices=GRADES)
    previous_grade = models.CharField(_("previous grade"), max_length=1, choices=GRADES, blank=True)
    movement = models.CharField(_("movement"), max_length=4, blank=True)
    override_active = models.BooleanField(default=False)
    score = models.FloatField(null=True, blank=True)
    sales = models.DecimalField(_("sales"), **MONEY)
    orders = models.PositiveIntegerField(_("orders"))
    profit = models.DecimalField(_("profit"), **MONEY)
    window_sales = models.DecimalField(**MONEY, default=0)
    sales_12m = models.DecimalField(**MONEY, default=0)
    orders_12m = models.PositiveIntegerField(default=0)
    mom_growth = models.FloatField(_("month-over-month"), null=True, blank=True)
    yoy_growth = models.FloatField(_("year-over-year"), null=True, blank=True)
    lifecycle = models.CharField(_("lifecycle"), max_length=8, choices=Lifecycle.choices)
    is_new = models.BooleanField(_("new"))
    days_since_last_order = models.PositiveIntegerField(null=True, blank=True)
    sales_surge = models.BooleanField(_("sales surge"))
    sales_plunge = models.BooleanField(_("sales plunge"))
    orders_surge = models.BooleanField(_("orders surge"))
    orders_plunge = models.BooleanField(_("orders plunge"))
    receivable = models.DecimalField(_("receivable"), **MONEY)
    overdue = models.DecimalField(_("overdue"), **MONEY)
    first_order_date = models.DateField(null=True, blank=True)
    last_order_date = models.DateField(_("last order"), null=True, blank=True)
    last_visit_date = models.DateField(_("last visit"), null=True, blank=True)
    last_coupon_date = models.DateField(_("last coupon"), null=True, blank=True)
    rfm_r = models.PositiveSmallIntegerField(null=True, blank=True)
    rfm_f = models.PositiveSmallIntegerField(null=True, blank=True)
    rfm_m = models.PositiveSmallIntegerField(null=True, blank=True)
    rfm_segment = models.CharField(_("RFM segment"), max_length=32, blank=True)
    quadrant = models.CharField(_("quadrant"), max_length=24, blank=True)
    action = models.CharField(_("action"), max_length=24)
    action_reason = models.CharField(max_length=48, blank=True)
    churn_risk = models.FloatField(null=True, blank=True)
    # The codes of the risk's top reasons (analytics/churn/reasons.py), strongest first, space-separated: written
    # with the score, so every page reads the reasons of exactly the risk it shows. Text, as the other coded
    # columns, so the period's COPY and SQLite's executemany write it as they write those.
    churn_reasons = models.CharField(max_length=120, blank=True, default="")

    class Meta:
        ordering = ["period", "code"]
        verbose_name = _("customer snapshot")
        verbose_name_plural = _("customer snapshots")
        constraints = [
            models.UniqueConstraint(fields=["period", "customer"], name="snapshot_period_customer"),
        ]
        indexes = [
            models.Index(fields=["period", "code"], name="snap_period_code"),
            models.Index(fields=["period", "grade", "sales"], name="snap_period_grade"),
            models.Index(fields=["period", "lifecycle"], name="snap_period_lifecycle"),
            models.Index(fields=["period", "salesperson", "grade"], name="snap_period_sp"),
            models.Index(fields=["period", "region"], name="snap_period_region"),
            models.Index(fields=["period", "sales"], name="snap_period_sales"),
            # The dashboard's top movers and the "grade dropped" care rule: period and movement="down".
            models.Index(fields=["period", "movement"], name="snap_period_movement"),
            models.Index(fields=["customer", "period"], name="snap_customer_period"),
            # "Does this period have churn scores?" on every list page: answered from a tiny partial index
            # instead of scanning the period's 50k rows when no model wins.
            models.Index(fields=["period"], name="snap_period_scored", condition=Q(churn_risk__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.code} {self.grade}"

    @property
    def churn_reason_labels(self) -> list[Any]:
        """The stored reasons in the reader's language, strongest first."""
        from analytics.churn.reasons import reason_labels

        return reason_labels(self.churn_reasons)


class CustomerPulse(models.Model):
    """Month-to-date pulse as of yesterday: lifecycle and 30-day surge/plunge, replaced every day."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="pulse")
    as_of = models.DateField()
    lifecycle = models.CharField(max_length=8, choices=Lifecycle.choices)
    is_new = models.BooleanField()
    days_since_last_order = models.PositiveIntegerField(null=True, blank=True)
    sales_surge = models.BooleanField()
    sales_plunge = models.BooleanField()
    orders_surge = models.BooleanField()
    orders_plunge = models.BooleanField()

    class Meta:
        verbose_name = _("customer pulse")
        verbose_name_plural = _("customer pulses")
        indexes = [models.Index(fields=["as_of", "lifecycle"], name="pulse_asof_lifecycle")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.as_of} {self.lifecycle}"


class SnapshotLock(models.Model):
    """A row per period, locked FOR UPDATE while that period is computed: two runs never interleave."""

    period = models.DateField(unique=True)
    # Moves with every write to the period's snapshot rows (triggers: analytics/snapshot_version.py).
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"lock {self.period:%Y-%m}"


class BackgroundJob(models.Model):
    """Long work started from a page (recompute N months, a big export): its progress, for a progress bar."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=32)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=255, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by every progress write (queryset updates skip auto_now): a queued or running job whose updated_at is
    # old has lost its worker, and the job sweep enqueues it again (it resumes after `done`).
    updated_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["kind", "status"], name="analytics_job_kind_status")]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.status == "done" else 0)


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker ran the beat's heartbeat task: /healthz reads it (no heartbeat for 5 minutes
    means no worker, or no beat, is running)."""

    worker = models.CharField(max_length=255, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker} {self.seen_at:%Y-%m-%d %H:%M:%S}"


class ChurnModel(models.Model):
    """A churn-risk model trained on the distributor's own history, with its backtest (docs/analytics.md §3.7)."""

    trained_at = models.DateTimeField(auto_now_add=True)
    as_of = models.DateField(help_text=_("the last date whose information the model may use"))
    horizon_days = models.PositiveIntegerField(default=90)
    algorithm = models.CharField(max_length=64)
    features = models.JSONField(default=list)
    metrics = models.JSONField(default=dict, help_text=_("backtest: AUC and top-10% precision, model vs baseline"))
    beats_baseline = models.BooleanField(default=False)
    blob = models.BinaryField()

    class Meta:
        ordering = ["-trained_at", "-id"]
        verbose_name = _("churn model")
        verbose_name_plural = _("churn models")

    def __str__(self) -> str:
        return f"{self.algorithm} as of {self.as_of}"


class CrossSellEval(models.Model):
    """A saved cross-sell hold-out (issue 21): the profile shows a level's suggestions only where they won."""

    evaluated_at = models.DateTimeField(auto_now_add=True)
    as_of = models.DateField()
    level = models.CharField(max_length=16)  # product | category
    metrics = models.JSONField(default=dict, help_text=_("hit, recall and MAP at 10 per protocol and scorer"))
    wins = models.BooleanField(default=False, help_text=_("similar customers beat both baselines on every protocol"))

    class Meta:
        ordering = ["-evaluated_at", "-id"]
        verbose_name = _("cross-sell evaluation")
        verbose_name_plural = _("cross-sell evaluations")

    def __str__(self) -> str:
        return f"{self.level} as of {self.as_of}"
