"""The customer list's table: one dict of display text per row, formatted here once instead of by template filters.

Rendering 50 rows x 21 columns through template filters, {% trans %}, {% blocktrans %} and {% url %} was most of
the list's CPU: every cell was a chain of model attribute lookups (the template tries a dict key first and fails),
filters and gettext calls. Here each word table is translated once per request, the profile URL is reversed once,
each cell is formatted once, and the template only prints the strings. The HTML is the same, byte for byte.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from analytics.models import CustomerSnapshot
from cockpit import labels
from cockpit.selectors.customers import flags_of
from cockpit.templatetags.cockpit_tags import iso, pct, share, yuan

DASH = "—"
PROFILE = "cockpit:customer_profile"


def _translated(table: dict[str, Any]) -> dict[str, str]:
    return {code: str(word) for code, word in table.items()}


class ProfileUrl:
    """A customer's profile URL: reversed once per request, each code quoted into it the way reverse() quotes it."""

    MARK = "__code__"

    def __init__(self) -> None:
        self.head, self.tail = reverse(PROFILE, args=[self.MARK]).split(self.MARK)

    def __call__(self, code: str) -> str:
        if not code or "/" in code:  # not a <str:code>: reverse() answers as it always did (NoReverseMatch)
            return reverse(PROFILE, args=[code])
        return f"{self.head}{quote(code, safe=RFC3986_SUBDELIMS + '/~:@')}{self.tail}"


@dataclass
class Words:
    """What is the same on every row, in the request's language: built once per page."""

    grades: dict[str, str]
    lifecycle: dict[str, str] = field(default_factory=lambda: _translated(labels.LIFECYCLE_TEXT))
    flag: dict[str, str] = field(default_factory=lambda: _translated(labels.FLAG_TEXT))
    segment: dict[str, str] = field(default_factory=lambda: _translated(labels.SEGMENT_TEXT))
    action: dict[str, str] = field(default_factory=lambda: _translated(labels.ACTION_TEXT))
    select: str = field(default_factory=lambda: gettext("Select %(name)s"))
    url: ProfileUrl = field(default_factory=ProfileUrl)


def _joined(texts: Iterable[Any]) -> SafeString:
    """`texts|join:"; "` as the template escapes it."""
    return mark_safe("; ".join(conditional_escape(t) for t in texts))  # noqa: S308 - every part escaped


def _cells(s: CustomerSnapshot, w: Words) -> dict[str, Any]:
    c = s.customer
    return {
        "code": s.code, "url": w.url(s.code), "name": c.name,
        # {% blocktrans %} escapes the name, not the translation.
        "select": mark_safe(w.select % {"name": conditional_escape(c.name)}),  # noqa: S308
        "region": (c.region.path if c.region else "") or DASH, "owner": (c.owner.name if c.owner else "") or DASH,
        "contact": c.contact or DASH, "phone": c.mobile or DASH,
        "grade": s.grade, "grade_label": w.grades.get(s.grade, ""), "override": s.override_active,
        "computed_grade": s.computed_grade, "previous": s.previous_grade or DASH, "movement": s.movement,
        "orders": intcomma(s.orders), "sales": yuan(s.sales),
        "mom": pct(s.mom_growth), "mom_down": s.mom_growth is not None and s.mom_growth < 0,
        "yoy": pct(s.yoy_growth), "yoy_down": s.yoy_growth is not None and s.yoy_growth < 0,
        "receivable": yuan(s.receivable), "overdue": yuan(s.overdue),
        "overdue_down": s.overdue is not None and s.overdue > 0,
        "last_order": iso(s.last_order_date) or DASH,
        "days_since": DASH if s.days_since_last_order is None else s.days_since_last_order,
        "last_visit": iso(c.last_visit_date) or DASH, "last_coupon": iso(c.last_coupon_date) or DASH,
        "lifecycle": s.lifecycle, "lifecycle_text": labels.text(w.lifecycle, s.lifecycle),
        "flags": [(f, labels.text(w.flag, f)) for f in flags_of(s)],
        "segment": labels.text(w.segment, s.rfm_segment) or DASH, "action": labels.text(w.action, s.action),
    }


def table_rows(rows: Iterable[CustomerSnapshot], *, grade_labels: dict[str, str],
               risk_reasons: dict[int, list[str]] | None = None) -> list[dict[str, Any]]:
    """The page's rows as display text, numbered from 1; with churn scores when `risk_reasons` is given."""
    words = Words(grades=grade_labels)
    out = []
    for n, s in enumerate(rows, 1):
        cells = _cells(s, words)
        cells["n"] = n
        if risk_reasons is not None:
            cells["risk"] = None if s.churn_risk is None else share(s.churn_risk)
            cells["reasons"] = _joined(risk_reasons.get(s.customer_id, []))
        out.append(cells)
    return out
