"""Analytics' answers to what the apps below it announce (they send signals instead of importing analytics).

Connected in AnalyticsConfig.ready. Each runs inside the sender's transaction (customers/signals.py,
sales/signals.py say when each is sent).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Min
from django.dispatch import receiver
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.services_admin.errors import AdminError
from customers.signals import customer_merging, customer_override_changed
from sales.models import Order, Payment
from sales.signals import periods_changed

from .models import CustomerPulse, CustomerSnapshot, PeriodSummary
from .services import stale


@receiver(periods_changed, dispatch_uid="analytics.periods_changed")
def periods_changed_mark_stale(*, periods: list[str], reason: str, **_kwargs: Any) -> None:
    """An import changed these months: the computed, closed ones are recomputed by a task after the commit."""
    from .tasks import recompute_stale_periods  # the tasks module imports Celery's app; keep it out of ready()

    if stale.periods_mark_stale(periods=periods, reason=reason):
        transaction.on_commit(recompute_stale_periods.delay)


def _affected_periods(merged: Customer) -> list[dt.date]:
    """Computed periods from the merged customer's first trace on: its sales, payments and coverage feed them all."""
    firsts = [
        merged.first_seen,
        Order.objects.filter(customer=merged).aggregate(d=Min("order_date"))["d"],
        Payment.objects.filter(customer=merged).aggregate(d=Min("date"))["d"],
        CustomerSnapshot.objects.filter(customer=merged).aggregate(d=Min("period"))["d"],
    ]
    known = [d for d in firsts if d is not None]
    if not known:
        return []
    start = min(known).replace(day=1)
    return list(PeriodSummary.objects.filter(period__gte=start).values_list("period", flat=True))


@receiver(customer_merging, dispatch_uid="analytics.customer_merging")
def customer_merging_drop_derived(*, survivor: Customer, merged: Customer, report: Any, **_kwargs: Any) -> None:
    """The merged customer's snapshot and pulse rows are derived from its history: they are deleted (moved they
    would collide with the survivor's) and every period it fed is marked for recompute."""
    periods = _affected_periods(merged)
    for model in (CustomerSnapshot, CustomerPulse):
        deleted, _per_model = model._default_manager.filter(customer=merged).delete()
        if deleted:
            report.deleted[model._meta.label_lower] = deleted
    marked = stale.periods_mark_stale(periods=periods, reason=f"merge of {merged.code} into {survivor.code}")
    report.stale_periods = [f"{p:%Y-%m}" for p in marked]


@receiver(customer_override_changed, dispatch_uid="analytics.customer_override_changed")
def customer_override_show(*, customer: Customer, **_kwargs: Any) -> list[dt.date]:
    """The stored rows take the override's grade and action at once (issue 16); returns the periods changed."""
    from .services.overrides import snapshot_override_apply
    from .services.snapshots import SnapshotBusy

    try:
        return snapshot_override_apply(customer=customer)
    except SnapshotBusy as exc:
        raise AdminError("", _("A recompute of this customer's months is running; try again in a minute.")) from exc
