"""Calendar-month periods in the business time zone."""

import datetime as dt
import re

from django.utils import timezone

PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_period(text: str) -> dt.date:
    """'2025-03' -> date(2025, 3, 1); ValueError with a plain message otherwise."""
    found = PERIOD_RE.match((text or "").strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise ValueError(f"period: expected YYYY-MM, got {text!r}")
    return dt.date(int(found.group(1)), int(found.group(2)), 1)


def period_or_none(text: str | None) -> dt.date | None:
    """parse_period for a value a user typed into a URL: None for a blank or unreadable one."""
    try:
        return parse_period(text or "")
    except ValueError:
        return None


def month_end(period: dt.date) -> dt.date:
    """Last day of the month that starts on `period` (T of a monthly snapshot)."""
    nxt = add_months(period, 1)
    return nxt - dt.timedelta(days=1)


def add_months(period: dt.date, months: int) -> dt.date:
    index = period.year * 12 + period.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every period from `first` to `last` inclusive."""
    out, cur = [], first.replace(day=1)
    while cur <= last:
        out.append(cur)
        cur = add_months(cur, 1)
    return out


def last_closed_period(today: dt.date | None = None) -> dt.date:
    """The latest month that has ended, by the business calendar (Asia/Shanghai)."""
    today = today or timezone.localdate()
    return add_months(today.replace(day=1), -1)


def fmt(period: dt.date) -> str:
    return f"{period:%Y-%m}"
