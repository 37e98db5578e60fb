"""Formatting for the cockpit pages: money as ¥ with thousands separators, growth as signed percent, codes as words."""

import datetime as dt
import math
from typing import Any

from django import template
from django.utils import timezone

from cockpit import labels
from core.money import format_yuan

register = template.Library()


@register.filter
def yuan(value: Any, places: int = 2) -> str:
    """¥1,234.56 (negative: -¥1,234.56); blank stays blank. The site's one money format (core.money)."""
    return format_yuan(value, places)


@register.filter
def pct(value: Any, places: int = 1) -> str:
    """A growth ratio as a signed percent: 0.125 -> +12.5%; blank stays blank."""
    if value is None or value == "":
        return ""
    number = float(value) * 100
    return f"{number:+.{int(places)}f}%"


@register.filter
def share(value: Any) -> str:
    """A share 0..1 as an unsigned percent: 0.5 -> 50%."""
    if value is None or value == "":
        return ""
    return f"{float(value) * 100:.0f}%"


@register.filter
def risk(value: Any) -> str:
    """A churn probability 0..1 as a percent read as the estimate it is: a model's 0.997 is no certainty, so the
    ends are "<1%" and ">99%", never "0%" or "100%"."""
    if value is None or value == "":
        return ""
    percent = float(value) * 100
    if percent < 0.5:
        return "<1%"
    if percent >= 99.5:
        return ">99%"
    return f"{math.floor(percent + 0.5)}%"  # half up: 0.5% is "1%", not Python's half-even "0%"


@register.filter
def iso(value: Any) -> str:
    """Dates as YYYY-MM-DD whatever the language; a timestamp as its day in the site's time zone."""
    if isinstance(value, dt.datetime):
        # The ORM reads timestamps in UTC: a coupon queued at 01:00 in Shanghai is the day before in UTC.
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


@register.filter
def month(value: Any) -> str:
    """A period as YYYY-MM."""
    return f"{value:%Y-%m}" if isinstance(value, dt.date) else ""


@register.filter
def action_text(code: str) -> str:
    return labels.text(labels.ACTION_TEXT, code)


@register.filter
def reason_text(code: str) -> str:
    return labels.text(labels.REASON_TEXT, code)


@register.filter
def segment_text(code: str) -> str:
    return labels.text(labels.SEGMENT_TEXT, code)


@register.filter
def quadrant_text(code: str) -> str:
    return labels.text(labels.QUADRANT_TEXT, code)


@register.filter
def lifecycle_text(code: str) -> str:
    return labels.text(labels.LIFECYCLE_TEXT, code)


@register.filter
def flag_text(code: str) -> str:
    return labels.text(labels.FLAG_TEXT, code)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """mapping[key] in a template, or blank."""
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return ""
