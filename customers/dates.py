"""The latest date a business event (an order, a payment, a visit) may carry (issue 17 item 7).

A date after tomorrow in the site's time zone is a typo or a test (2999-01-01, 9999-12-31), never a real event:
once stored it freezes "last visit" and skews every window that ends "today". Tomorrow is allowed, for a device a
time zone ahead or a visit logged just after midnight.
"""

import datetime as dt

from django.utils import timezone


def latest_event_date() -> dt.date:
    """Tomorrow in TIME_ZONE: the last date an order, payment or visit may have."""
    return timezone.localdate() + dt.timedelta(days=1)


def future_date_problem(day: dt.date, *, latest: dt.date | None = None) -> str | None:
    """The `problem` of FILE:ROW: field: problem for a date after `latest` (tomorrow), else None."""
    latest = latest or latest_event_date()
    if day > latest:
        return f"{day.isoformat()} is in the future (the latest allowed is tomorrow, {latest.isoformat()})"
    return None
