"""Manual grade overrides (docs/analytics.md §3.1): set until a date, clear; each change audited and shown at once."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from customers.models import GRADES, Customer
from customers.services import audit
from customers.signals import customer_override_changed

from .errors import AdminError

GRADE_VALUES = [g for g, _ in GRADES]


def today() -> dt.date:
    """The business day (Asia/Shanghai); an override may not end before it."""
    return timezone.localdate()


def _override_state(customer: Customer) -> dict[str, Any]:
    return {"grade": customer.override_grade, "reason": customer.override_reason,
            "until": customer.override_until.isoformat() if customer.override_until else None}


def _override_show(customer: Customer) -> list[dt.date]:
    """Give the customer's computed periods the grade and action a recompute would now give; returns the periods
    changed. The override shows at once on every page, with no recompute (issue 16): analytics does it on the
    signal (customers sits below it and does not import it)."""
    changed: set[dt.date] = set()
    for _receiver, periods in customer_override_changed.send(sender=Customer, customer=customer):
        changed.update(cast(list[dt.date], periods or []))  # django-stubs types an answer as str; ours are dates
    return sorted(changed)


@transaction.atomic
def customer_override_set(*, customer: Customer, grade: str, reason: str, until: dt.date | None, by: Any) -> Customer:
    """Set a manual grade until a date (inclusive); it expires by itself. docs/analytics.md §3.1 manual override.

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
    periods = _override_show(customer)
    audit(user=by, action="override_set", target=f"customer:{customer.code}", before=before,
          after=_override_state(customer), periods=[f"{p:%Y-%m}" for p in periods])
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
    periods = _override_show(customer)
    audit(user=by, action="override_clear", target=f"customer:{customer.code}", before=before, reason=reason,
          periods=[f"{p:%Y-%m}" for p in periods])
    return customer
