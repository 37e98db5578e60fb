"""The customer list's table rows, written out here once per row instead of through the template engine.

50 rows x 21 columns through template filters, {% trans %}, {% blocktrans %} and {% url %} were most of the list's
CPU, and even as plain variables the template engine spends about 3 us a cell. Here each word table is translated
once per request, the profile URL is reversed once, and each row is one format_html (every value escaped as a
template escapes it). The markup is _results.html's, byte for byte.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from cockpit import labels
from cockpit.markup import html
from cockpit.selectors.customers import ListRow, flags_of
from cockpit.templatetags.cockpit_tags import iso, pct, share, yuan

DASH = "—"
PROFILE = "cockpit:customer_profile"
# One row; its cells are in the order of views.customers._columns. {override}, {movement}, {risk} and {flags}
# are markup built below.
ROW = (
    "<tr>\n"
    '      <td class="check"><input type="checkbox" name="codes" value="{code}" id="pick-{n}">'
    '<label for="pick-{n}" class="sr-only">{select}</label></td>\n'
    '      <td class="name"><a href="{url}">{name}</a> <span class="muted small">{code}</span></td>\n'
    "      <td>{region}</td>\n"
    "      <td>{owner}</td>\n"
    "      <td>{contact}</td>\n"
    "      <td>{phone}</td>\n"
    '      <td><span class="grade grade-{grade}" title="{grade_label}">{grade}</span>{override}</td>\n'
    "      <td>{previous}{movement}</td>\n"
    '      <td class="num">{orders}</td>\n'
    '      <td class="num">{sales}</td>\n'
    '      <td class="num{mom_down}">{mom}</td>\n'
    '      <td class="num{yoy_down}">{yoy}</td>\n'
    '      <td class="num">{receivable}</td>\n'
    '      <td class="num{overdue_down}">{overdue}</td>\n'
    "      <td>{last_order}</td>\n"
    "      {risk}\n"
    "      <td>{last_visit}</td>\n"
    "      <td>{last_coupon}</td>\n"
    '      <td><span class="life life-{lifecycle}">{lifecycle_text}</span></td>\n'
    "      <td>{flags}</td>\n"
    "      <td>{segment}</td>\n"
    '      <td class="action">{action}</td>\n'
    "    </tr>"
)
ARROW = ' <span class="{0}" title="{1}">{2}<span class="sr-only">{1}</span></span>'
NO_FLAGS = mark_safe('<span class="muted">—</span>')  # noqa: S308 - a constant


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


def _chips() -> dict[str, SafeString]:
    return {code: format_html('<span class="chip chip-{}">{}</span>', code, word)
            for code, word in _translated(labels.FLAG_TEXT).items()}


@dataclass
class Words:
    """What is the same on every row, in the request's language: built once per page."""

    grades: dict[str, str]
    lifecycle: dict[str, str] = field(default_factory=lambda: _translated(labels.LIFECYCLE_TEXT))
    segment: dict[str, str] = field(default_factory=lambda: _translated(labels.SEGMENT_TEXT))
    action: dict[str, str] = field(default_factory=lambda: _translated(labels.ACTION_TEXT))
    chips: dict[str, SafeString] = field(default_factory=_chips)
    arrows: dict[str, SafeString] = field(default_factory=lambda: {
        "up": format_html(ARROW, "up", gettext("up"), "▲"), "down": format_html(ARROW, "down", gettext("down"), "▼"),
    })
    select: str = field(default_factory=lambda: gettext("Select %(name)s"))
    override: str = field(default_factory=lambda: gettext("Manual override; computed grade %(g)s"))
    overridden: str = field(default_factory=lambda: gettext("override"))
    not_scored: str = field(default_factory=lambda: gettext("Not scored: never ordered or already churned"))
    url: ProfileUrl = field(default_factory=ProfileUrl)


def _blocktrans(text: str, **values: Any) -> SafeString:
    """{% blocktrans %}: the values escaped, the translation as it is."""
    return mark_safe(text % {k: conditional_escape(v) for k, v in values.items()})  # noqa: S308 - values escaped


def _joined(texts: Iterable[Any]) -> SafeString:
    """`texts|join:"; "` as a template escapes it."""
    return mark_safe("; ".join(conditional_escape(t) for t in texts))  # noqa: S308 - every part escaped


def _override(s: ListRow, w: Words) -> SafeString | str:
    if not s.override_active:
        return ""
    return format_html(' <span class="override" title="{}">{} ({})</span>',
                       _blocktrans(w.override, g=s.computed_grade), w.overridden, s.computed_grade)


def _risk(s: ListRow, w: Words, reasons: dict[int, list[str]] | None) -> SafeString:
    if reasons is None:  # the period has no churn scores: days since the last order
        days = DASH if s.days_since_last_order is None else localize(s.days_since_last_order)
        return format_html('<td class="num">{}</td>', days)
    if s.churn_risk is None:
        return format_html('<td class="num risk"><span class="muted" title="{}">—</span></td>\n      ', w.not_scored)
    why = reasons.get(s.customer_id)
    small = format_html('<small class="muted risk-reasons">{}</small>', _joined(why)) if why else ""
    return format_html('<td class="num risk">{}{}</td>\n      ', share(s.churn_risk), small)


def _row(n: int, s: ListRow, w: Words, reasons: dict[int, list[str]] | None) -> SafeString:
    return html(
        ROW, n=localize(n), code=s.code, url=w.url(s.code), name=s.name, select=_blocktrans(w.select, name=s.name),
        region=s.region or DASH, owner=s.salesperson or DASH,
        contact=s.contact or DASH, phone=s.phone or DASH, grade=s.grade, grade_label=w.grades.get(s.grade, ""),
        override=_override(s, w), previous=s.previous_grade or DASH, movement=w.arrows.get(s.movement, ""),
        orders=intcomma(s.orders), sales=yuan(s.sales), receivable=yuan(s.receivable), overdue=yuan(s.overdue),
        mom=pct(s.mom_growth), mom_down=" down" if s.mom_growth is not None and s.mom_growth < 0 else "",
        yoy=pct(s.yoy_growth), yoy_down=" down" if s.yoy_growth is not None and s.yoy_growth < 0 else "",
        overdue_down=" down" if s.overdue is not None and s.overdue > 0 else "",
        last_order=iso(s.last_order_date) or DASH, risk=_risk(s, w, reasons),
        last_visit=iso(s.last_visit) or DASH, last_coupon=iso(s.last_coupon) or DASH,
        lifecycle=s.lifecycle, lifecycle_text=labels.text(w.lifecycle, s.lifecycle),
        flags=mark_safe("".join(w.chips[f] for f in flags_of(s))) or NO_FLAGS,  # noqa: S308 - safe parts
        segment=labels.text(w.segment, s.rfm_segment) or DASH, action=labels.text(w.action, s.action),
    )


def table_rows(rows: Iterable[ListRow], *, grade_labels: dict[str, str],
               risk_reasons: dict[int, list[str]] | None = None) -> list[SafeString]:
    """The page's rows as <tr> markup, numbered from 1; the churn-risk column when `risk_reasons` is given."""
    words = Words(grades=grade_labels)
    return [_row(n, s, words, risk_reasons) for n, s in enumerate(rows, 1)]
