"""Merge duplicate customers (the same shop under two codes, common after an ERP migration), in one transaction.

Everything that points at the merged customer moves to the survivor: orders, payments, visits, coupons,
ownership history, aliases, and any row another app adds later (found through the model's relations, so a new
table is not silently left behind). The apps above customers take care of their own rows first, through the
`customer_merging` signal: analytics deletes the merged customer's snapshot rows (their periods are marked for
recompute); coupons keeps the survivor's coupon of a campaign both customers got and logs and drops the merged
one's ((campaign, customer) is unique). The old code becomes a CustomerAlias, so later imports under it
land on the survivor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from customers.models import Customer, CustomerAlias
from customers.services import audit
from customers.signals import customer_merging

from .errors import AdminError

# Empty fields of the survivor are filled from the merged customer; first seen is the earlier date.
FILL_BLANK = ["region", "owner", "contact", "mobile", "address", "tags", "birthday"]


@dataclass
class MergeReport:
    survivor: str
    merged: str
    moved: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    coupon_conflicts: list[dict[str, Any]] = field(default_factory=list)
    stale_periods: list[str] = field(default_factory=list)


def merge_preview(*, survivor: Customer, merged: Customer) -> dict[str, int]:
    """How many rows of each kind point at `merged` (what a merge would move), for the confirmation page."""
    counts = {}
    for rel in Customer._meta.related_objects:
        model = cast(type[Model], rel.related_model)
        n = model._default_manager.filter(**{rel.field.name: merged}).count()
        if n:
            counts[model._meta.label_lower] = n
    return counts


def _move_relations(survivor: Customer, merged: Customer, report: MergeReport) -> None:
    for rel in Customer._meta.related_objects:
        model, name = cast(type[Model], rel.related_model), rel.field.name
        label = model._meta.label_lower
        qs = model._default_manager.filter(**{name: merged})
        if rel.one_to_one and model._default_manager.filter(**{name: survivor}).exists():
            report.deleted[label] = qs.delete()[0]
            continue
        if rel.many_to_many:
            for row in qs:
                getattr(row, rel.field.name).add(survivor)
                getattr(row, rel.field.name).remove(merged)
            continue
        moved = qs.update(**{name: survivor})
        if moved:
            report.moved[label] = moved


def _merge_fields(survivor: Customer, merged: Customer) -> None:
    for name in FILL_BLANK:
        if not getattr(survivor, name) and getattr(merged, name):
            setattr(survivor, name, getattr(merged, name))
    dates = [d for d in (survivor.first_seen, merged.first_seen) if d]
    survivor.first_seen = min(dates) if dates else None
    for name in ("last_visit_date", "last_coupon_date"):
        dates = [d for d in (getattr(survivor, name), getattr(merged, name)) if d]
        setattr(survivor, name, max(dates) if dates else None)
    # An opt-out given under either code stands: consent is the customer's, not the code's.
    outs = [t for t in (survivor.sms_opt_out_at, merged.sms_opt_out_at) if t]
    survivor.sms_opt_out_at = min(outs) if outs else None
    today = timezone.localdate()
    survivor_live = survivor.override_grade and (survivor.override_until is None or survivor.override_until >= today)
    merged_live = merged.override_grade and (merged.override_until is None or merged.override_until >= today)
    if merged_live and not survivor_live:
        survivor.override_grade, survivor.override_reason = merged.override_grade, merged.override_reason
        survivor.override_until, survivor.override_by = merged.override_until, merged.override_by


def _trace(customer: Customer) -> dict[str, Any]:
    return {"code": customer.code, "name": customer.name, "mobile": customer.mobile,
            "region": customer.region.path if customer.region else None,
            "owner": customer.owner.name if customer.owner else None,
            "override": [customer.override_grade, customer.override_until.isoformat()
                         if customer.override_until else None]}


@transaction.atomic
def customers_merge(*, survivor: Customer, merged: Customer, by: Any, reason: str = "") -> MergeReport:
    """Fold `merged` into `survivor` and delete it; its code becomes an alias of the survivor. All or nothing.

    docs/roles.md §1 (admins merge duplicate customers); periods the merged customer fed are marked for recompute.
    """
    if survivor.pk == merged.pk:
        raise AdminError("merged", "must be another customer than the survivor")
    # Both customers first, in id order, before touching anything that points at them: imports lock the customers
    # they write in the same order (sales.imports.locks), so a merge and an import of the same customers queue
    # instead of deadlocking (issue 18 item 7).
    locked = {c.pk: c for c in Customer.objects.select_for_update(of=("self",)).select_related("region", "owner")
              .filter(pk__in=[survivor.pk, merged.pk]).order_by("pk")}
    if len(locked) != 2:
        raise AdminError("merged", "no such customer")
    survivor, merged = locked[survivor.pk], locked[merged.pk]
    report = MergeReport(survivor=survivor.code, merged=merged.code)
    # Analytics drops the merged customer's derived rows and marks the periods it fed stale; coupons drops its
    # coupons of campaigns the survivor also got. Whatever still points at `merged` then moves to the survivor.
    customer_merging.send(sender=Customer, survivor=survivor, merged=merged, report=report)
    trace = _trace(merged)
    _move_relations(survivor, merged, report)
    _merge_fields(survivor, merged)
    old_code = merged.code
    merged.delete()
    survivor.save()
    CustomerAlias.objects.update_or_create(code=old_code, defaults={"customer": survivor})
    audit(user=by, action="customer_merge", target=f"customer:{survivor.code}", merged=trace, reason=reason,
          moved=report.moved, deleted=report.deleted, coupon_conflicts=report.coupon_conflicts,
          stale_periods=report.stale_periods)
    return report
