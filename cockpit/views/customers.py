"""The customer list (/customers/): filters in the URL, htmx partial swaps, exports of exactly what is filtered."""

import functools
import io
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_htmx.middleware import HtmxDetails

from analytics.export import write_csv, write_xlsx
from cockpit import labels
from cockpit.filters import BASIC, RISK_FILTERS
from cockpit.selectors.churn import risk_explained
from cockpit.selectors.customers import EXPORT_HEADER, customer_rows, export_rows
from customers.services import audit

from .customer_table import table_rows

PAGE_SIZE = 50
COUPON_SEND_URL = "/coupons/send/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _columns(churn_scored: bool = False) -> list[tuple[str, str, bool]]:
    """(sort key, heading, numeric) of every column, in the seed's order.

    After the last order: the churn risk where the period has scores (the model wins), else days since the last
    order, the baseline the model has to beat (issue 8).
    """
    risk = ("churn_risk", _("Churn risk"), True) if churn_scored else ("days_since", _("Days since last order"), True)
    return [
        ("customer", _("Customer"), False), ("region", _("Region"), False),
        ("salesperson", _("Salesperson"), False), ("contact", _("Contact"), False), ("phone", _("Phone"), False),
        ("grade", _("Grade"), False), ("previous_grade", _("Previous"), False), ("orders", _("Orders"), True),
        ("sales", _("Sales"), True), ("mom", _("MoM"), True), ("yoy", _("YoY"), True),
        ("receivable", _("Receivable"), True), ("overdue", _("Overdue"), True),
        ("last_order", _("Last order"), False), risk, ("last_visit", _("Last visit"), False),
        ("last_coupon", _("Last coupon"), False), ("lifecycle", _("Lifecycle"), False),
        ("flags", _("Flags"), False), ("segment", _("RFM segment"), False), ("action", _("Recommended action"), False),
    ]


def _querystring(params: Any, drop: tuple[str, ...] = ("page",)) -> str:
    return urlencode([(k, v) for k, values in params.lists() if k not in drop for v in values if v != ""])


def _headers(sort: str, params: Any, churn_scored: bool = False) -> list[dict[str, Any]]:
    base = _querystring(params, drop=("page", "sort"))
    out = []
    for key, title, numeric in _columns(churn_scored):
        current = sort.lstrip("-") == key
        descending = sort.startswith("-")
        # First click on a number sorts biggest first; on text, A to Z.
        nxt = (key if descending else f"-{key}") if current else (f"-{key}" if numeric else key)
        aria = ("descending" if descending else "ascending") if current else "none"
        out.append({"key": key, "title": title, "numeric": numeric, "url": f"?{base}&sort={nxt}".replace("?&", "?"),
                    "aria": aria, "arrow": ("▼" if descending else "▲") if current else ""})
    return out


# The "more filters" grid as it is written when none of its filters is asked for, per language and field list.
_BLANK_MORE: dict[tuple[str, tuple[str, ...]], SafeString] = {}


def _more_filters(form: Any, names: tuple[str, ...], blank: bool) -> SafeString:
    """The "more filters" grid. Blank (none of its fields asked for, as on most list pages), it is the same HTML for
    every request in a language: no value, no error, and no user's choices (region and salesperson are basic
    fields). It is then written once per process instead of 27 fields a page (1.4 ms)."""
    key = (get_language(), names)
    if blank and key in _BLANK_MORE:
        return _BLANK_MORE[key]
    html = render_to_string("cockpit/customers/_more_filters.html", {"fields": [form[n] for n in names]})
    if blank:
        _BLANK_MORE[key] = html
    return html


def customer_list(request: HttpRequest) -> HttpResponse:
    """One row per customer of the period; htmx requests aimed at #results get just the results."""
    data = customer_rows(user=request.user, params=request.GET)
    page = Paginator(data.pages(), PAGE_SIZE).get_page(request.GET.get("page"))
    scored = data.period is not None and data.churn_scored
    reasons = None
    # One churn_risk_explain call for the page's scored rows, never one per row; a page with none (churned or
    # never-buying customers) needs no call.
    risky = [r.customer_id for r in page.object_list if r.churn_risk is not None]
    if scored and data.period is not None and risky:
        explained = risk_explained(period=data.period, customer_ids=risky)
        reasons = {cid: risk.labels for cid, risk in (explained or {}).items()}
    grade_labels = labels.grade_labels()
    rows = table_rows(page.object_list, grade_labels=grade_labels, risk_reasons=reasons)
    form = data.filterset.form
    hidden = {RISK_FILTERS[not scored]} - {n for n in form.fields if request.GET.get(n)}
    more = tuple(n for n in form.fields if n not in BASIC and n not in hidden)
    more_open = any(request.GET.get(n) for n in form.fields if n not in BASIC)
    query = _querystring(request.GET)
    grades = request.GET.getlist("grade")
    context = {
        "data": data, "page": page, "rows": rows, "headers": _headers(data.sort, request.GET, scored),
        "sort": data.sort, "churn_scored": scored, "basic_fields": [form[n] for n in BASIC],
        "more_filters": functools.partial(_more_filters, form, more, blank=not more_open), "more_open": more_open,
        "grade_labels": grade_labels, "grade_counts": data.grade_counts() if data.period else {},
        "query": query, "coupon_url": COUPON_SEND_URL, "coupon_all_url": f"{COUPON_SEND_URL}?all=1&{query}",
        "grade_tabs_query": _querystring(request.GET, drop=("page", "grade")), "nav": "customers",
        "active_grade": grades[0] if len(grades) == 1 else None, "multi_grade": len(grades) > 1,
    }
    htmx: HtmxDetails = request.htmx  # type: ignore[attr-defined]
    partial = bool(htmx) and htmx.target == "results" and not htmx.history_restore_request
    template = "cockpit/customers/_results.html" if partial else "cockpit/customers/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _export_name(data: Any, ext: str) -> str:
    period = f"{data.period:%Y-%m}" if data.period else "none"
    return f"customers-{period}.{ext}"


def customer_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """CSV (UTF-8 with BOM) or XLSX of exactly the filtered rows, in the list's order, formula cells neutralised."""
    data = customer_rows(user=request.user, params=request.GET)
    rows = export_rows(data.rows, labels.grade_labels())
    if fmt == "xlsx":
        binary = io.BytesIO()
        count = write_xlsx(EXPORT_HEADER, rows, binary)
        response = HttpResponse(binary.getvalue(), content_type=XLSX)
    else:
        text = io.StringIO()
        count = write_csv(EXPORT_HEADER, rows, text)
        response = HttpResponse(text.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    # Who took which customers out, with the exact filter (the list's querystring) and how many rows.
    audit(user=request.user, action="export", target="customers", filter=request.GET.urlencode(), rows=count,
          format=fmt, period=f"{data.period:%Y-%m}" if data.period else None)
    response["Content-Disposition"] = f'attachment; filename="{_export_name(data, fmt)}"'
    response["Content-Length"] = str(len(response.content))
    return response
