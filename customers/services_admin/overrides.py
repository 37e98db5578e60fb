"""Manual grade overrides (DESIGN 3.1): set until a date, clear; each change audited, affected periods marked stale."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from customers.models import GRADES, Customer
from customers.services import audit

from .errors import AdminError

GRADE_VALUES = [g for g, _ in GRADES]


def today() -> dt.date:
    """The business day (Asia/Shanghai); an override may not end before it."""
    return timezone.localdate()


def _override_state(customer: Customer) -> dict[str, Any]:
    return {"grade": customer.override_grade, "reason": customer.override_reason,
            "until": customer.override_until.isoformat() if customer.override_until else None}


def _override_periods_mark_stale(customer: Customer, *, reason: str) -> list[dt.date]:
    """Mark the computed periods whose stored grade for this customer a recompute would now change.

    The engine applies an override at T = the month's last day while T <= until (DESIGN 3.1), with no start date.
    """
    from analytics.models import CustomerSnapshot
    from analytics.periods import month_end
    from analytics.services.stale import periods_mark_stale

    changed = []
    rows = CustomerSnapshot.objects.filter(customer=customer).values_list("period", "grade", "computed_grade")
    for period, grade, computed in rows:
        holds = bool(customer.override_grade) and (
            customer.override_until is None or customer.override_until >= month_end(period))
        if (customer.override_grade if holds else computed) != grade:
            changed.append(period)
    return periods_mark_stale(periods=changed, reason=reason) if changed else []


@transaction.atomic
def customer_override_set(*, customer: Customer, grade: str, reason: str, until: dt.date | None, by: Any) -> Customer:
    """Set a manual grade until a date (inclusive); it expires by itself. DESIGN 3.1 manual override.

    Raises AdminError for a grade outside A-D, a blank reason, or an end date missing or in the past.
    """
    reason = (reason or "").strip()
    if grade not in GRADE_VALUES:
        raise AdminError("grade", f"must be one of {', '.join(GRADE_VALUES)}")
    if not reason:
        raise AdminError("reason", "required")
    if until is None:
        raise AdminError("until", "required")
    if until < today():
        raise AdminError("until", "must not be in the past")
    before = _override_state(customer)
    customer.override_grade, customer.override_reason, customer.override_until = grade, reason[:255], until
    customer.override_by = by if getattr(by, "is_authenticated", False) else None
    customer.save(update_fields=["override_grade", "override_reason", "override_until", "override_by", "updated_at"])
    periods = _override_periods_mark_stale(customer, reason=f"override of {customer.code}")
    audit(user=by, action="override_set", target=f"customer:{customer.code}", before=before,
          after=_override_state(customer), stale_periods=[f"{p:%Y-%m}" for p in periods])
    return customer


@transaction.atomic
def customer_override_clear(*, customer: Customer, by: Any, reason: str = "") -> Customer:
    """Remove a manual override (the computed grade applies again); a no-op when there is none."""
    if not customer.override_grade and customer.override_until is None:
        return customer
    before = _override_state(customer)
    customer.override_grade, customer.override_reason, customer.override_until = "", "", None
    customer.override_by = by if getattr(by, "is_authenticated", False) else None
    customer.save(update_fields=["override_grade", "override_reason", "override_until", "override_by", "updated_at"])
    periods = _override_periods_mark_stale(customer, reason=f"override of {customer.code} cleared")
    audit(user=by, action="override_clear", target=f"customer:{customer.code}", before=before, reason=reason,
          stale_periods=[f"{p:%Y-%m}" for p in periods])
    return customer
