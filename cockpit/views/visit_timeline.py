"""The profile's visit timeline, written out here once per visit instead of through the template engine.

Up to 50 visits, each with its day twice, kind, salesperson, note and next follow-up through template filters and
{% blocktrans %}, were a third of the profile's template time (1.7 ms of 5 on the reference data). Each visit is
one cockpit.markup.html string here, every value escaped as a template escapes it; tests/cockpit/test_profile.py
holds the markup.
"""

from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from cockpit.markup import html
from cockpit.selectors.profile import VisitLine

SHOWN = 10  # the newest ten are open; the rest fold under "N earlier visits"
ITEM = ('    <li><time datetime="{day}">{day}</time> <span class="chip">{kind}</span>\n'
        '      <span class="muted">{who}</span>\n{note}{follow_up}    </li>\n')


def _item(v: VisitLine, follow_up: str) -> SafeString:
    note = html("      <p>{note}</p>\n", note=v.note) if v.note else ""
    nxt = (html('      <p class="muted small">{text}</p>\n', text=follow_up % {"d": v.next_date.isoformat()})
           if v.next_date else "")
    return html(ITEM, day=v.date.isoformat(), kind=v.kind_text(), who=v.salesperson or "", note=note, follow_up=nxt)


def visit_timeline(visits: list[VisitLine]) -> SafeString:
    """The timeline's <ol>, newest first, the visits after the SHOWN newest folded in a <details>."""
    follow_up = gettext("Next follow-up: %(d)s")
    items = [_item(v, follow_up) for v in visits]
    out = ['<ol class="timeline">\n', *items[:SHOWN]]
    if len(items) > SHOWN:
        earlier = len(items) - SHOWN
        summary = ngettext("%(n)s earlier visit", "%(n)s earlier visits", earlier) % {"n": earlier}
        out += ["  </ol><details><summary>", escape(summary), '</summary><ol class="timeline">\n',
                *items[SHOWN:], "  </ol></details>"]
    else:
        out.append("  </ol>")
    return mark_safe("".join(out))  # noqa: S308 - every value escaped above
