"""The customer list (/customers/): filters in the URL, htmx partial swaps, exports of exactly what is filtered."""

import functools
import io
from typing import Any

from django.contrib import messages
from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from analytics.export import write_csv, write_xlsx
from analytics.periods import period_or_none
from cockpit import labels
from cockpit.columns import Column, exported, shown, sort_fields
from cockpit.filters import BASIC, RISK_FILTERS, USER_CHOICES
from cockpit.forms import ColumnsForm
from cockpit.selectors.common import cache_key
from cockpit.selectors.customers import CustomerListPage, customer_list_page, customer_rows, export_rows
from cockpit.selectors.preferences import list_columns_chosen
from cockpit.services import list_columns_set
from customers.services import audit

from .customer_table import headers, lines, querystring

PAGE_SIZES = (25, 50, 100, 200)
PAGE_SIZE = 50
COUPON_SEND_URL = "/coupons/send/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page_size(text: str | None) -> int | None:
    """The page size asked for, the default when none is, None when it is not one of PAGE_SIZES."""
    if not text:
        return PAGE_SIZE
    return int(text) if text.isdigit() and int(text) in PAGE_SIZES else None


def _notices(params: Any, data: CustomerListPage, size: int | None) -> list[str]:
    """What the page could not read in the URL, said instead of silently ignored (the filters' own errors aside)."""
    out = []
    form = data.form
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else name
        out.append(f"{label}: {' '.join(map(str, errors))}")
    period = params.get("period")
    if period and data.period is not None and period_or_none(period) != data.period:
        out.append(_("There is no snapshot for the period “%(asked)s”; showing %(shown)s.")
                   % {"asked": period, "shown": f"{data.period:%Y-%m}"})
    sort = params.get("sort")
    if sort and sort.lstrip("-") not in sort_fields():
        out.append(_("The list cannot be sorted by “%(asked)s”; it is sorted by sales, biggest first.")
                   % {"asked": sort})
    if size is None:
        out.append(_("“%(asked)s” is not a page size (%(sizes)s); showing %(n)s a page.")
                   % {"asked": params.get("size"), "sizes": ", ".join(map(str, PAGE_SIZES)), "n": PAGE_SIZE})
    return out


def _pager(page: Page, params: Any) -> dict[str, Any] | None:
    """The pager's links: previous, next, the first and last pages, the ones around this one, and gaps (…)."""
    if not page.has_other_pages():
        return None
    base = querystring(params, drop=("page",))

    def url(number: int) -> str:
        return f"?{base}&page={number}" if base else f"?page={number}"

    numbers: list[dict[str, Any]] = [
        {"gap": True} if n == page.paginator.ELLIPSIS
        else {"number": n, "url": url(int(n)), "current": n == page.number}
        for n in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
    return {"numbers": numbers, "prev": url(page.previous_page_number()) if page.has_previous() else None,
            "next": url(page.next_page_number()) if page.has_next() else None}


def _table_key(rows: list[Any], table_headers: list[dict[str, Any]], grade_labels: dict[str, str]) -> str:
    """What the table's markup depends on: the language, the headers (columns, sort links), the page's rows as read
    (every value a cell shows, the churn reasons among them) and the grade labels. Rendering 50 rows of cells
    through the template engine costs about 12 ms; a page seen again with nothing changed is read from the cache."""
    head = [(h["key"], h["url"], h["aria"]) for h in table_headers]
    return cache_key("list-table", get_language(), head, rows, grade_labels)


def _filters_key(data: CustomerListPage, params: Any, scored: bool) -> str:
    """What the filter form's markup depends on: the language, the values asked for (and so their errors), which
    risk filter the period offers, and the user's region and salesperson choices as they are now. Django renders
    its ~120 choice widgets' options through a template each (6 ms a page): the page caches the rendered form."""
    form = data.form
    asked = sorted((name, value) for name, values in params.lists() if name in form.fields for value in values)
    pickers = [form.fields[name] for name in USER_CHOICES]
    choices = [[(str(value), str(label)) for value, label in field.choices] for field in pickers]  # type: ignore[attr-defined]
    return cache_key("list-filters", get_language(), asked, scored, choices)


def _filter_fields(data: CustomerListPage, params: Any, scored: bool) -> dict[str, Any]:
    form = data.form
    hidden = {RISK_FILTERS[not scored]} - {n for n in form.fields if params.get(n)}
    return {
        "filters_key": _filters_key(data, params, scored),
        "basic_fields": [form[n] for n in BASIC],
        "more_fields": [form[n] for n in form.fields if n not in BASIC and n not in hidden],
        "more_open": any(params.get(n) for n in form.fields if n not in BASIC),
    }


def customer_list(request: HttpRequest) -> HttpResponse:
    """One row per customer of the period; htmx requests aimed at #results get just the results."""
    params = request.GET
    htmx: HtmxDetails = request.htmx  # type: ignore[attr-defined]
    partial = bool(htmx) and htmx.target == "results" and not htmx.history_restore_request
    size = _page_size(params.get("size"))
    data = customer_list_page(user=request.user, params=params, number=params.get("page"), size=size or PAGE_SIZE,
                              choices=not partial)
    page, scored = data.page, data.churn.scored
    columns = shown(list_columns_chosen(user=request.user), scored=scored)
    grade_labels = labels.grade_labels()
    grades = params.getlist("grade")
    query = querystring(params)
    sizes_query = querystring(params, drop=("page", "size"))
    table_headers = headers(columns, data.sort, params)
    context = {
        "data": data, "page": page, "columns": columns, "headers": table_headers,
        # Built only when the table is not in the cache (the template calls it).
        "lines": functools.partial(lines, data.rows, columns, grade_labels=grade_labels),
        "table_key": _table_key(data.rows, table_headers, grade_labels),
        "sort": data.sort, "churn_scored": scored, "grade_labels": grade_labels,
        "notices": _notices(params, data, size),
        "grade_counts": data.grade_counts, "pager": _pager(page, params),
        "size": size or PAGE_SIZE, "size_param": params.get("size", "") if size else "",
        "sizes": [{"n": n, "url": f"?{sizes_query}&size={n}" if sizes_query else f"?size={n}"} for n in PAGE_SIZES],
        "query": query, "coupon_url": COUPON_SEND_URL, "coupon_all_url": f"{COUPON_SEND_URL}?all=1&{query}",
        "grade_tabs_query": querystring(params, drop=("page", "grade")), "nav": "customers",
        "active_grade": grades[0] if len(grades) == 1 else None, "multi_grade": len(grades) > 1,
        # The chooser's checkboxes (a template per option) are cached per language and columns shown.
        "chooser": ColumnsForm(initial={"columns": [c.key for c in columns]}),
        "chooser_keys": ",".join(c.key for c in columns), "LANGUAGE_CODE": get_language(),
        "here": request.get_full_path(),
    }
    if not partial:
        context.update(_filter_fields(data, params, scored))
    template = "cockpit/customers/_results.html" if partial else "cockpit/customers/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@require_POST
def customer_columns(request: HttpRequest) -> HttpResponse:
    """Remember the list's columns the user chose (or forget the choice), then back to the list as it was."""
    form = ColumnsForm(request.POST)
    if form.is_valid():
        reset = form.cleaned_data["reset"]
        list_columns_set(user=request.user, keys=None if reset else form.cleaned_data["columns"])
    else:
        messages.error(request, _("Those columns could not be saved: %(e)s") % {"e": form.errors.as_text()})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = reverse("cockpit:customer_list")
    return HttpResponseRedirect(back)


def _export_name(data: Any, ext: str) -> str:
    period = f"{data.period:%Y-%m}" if data.period else "none"
    return f"customers-{period}.{ext}"


def _localised(columns: list[Column], rows: Any) -> Any:
    """Coded values (lifecycle, action, flags ...) stay codes in the CSV for integrators; people read words."""
    for row in rows:
        yield [c.text(v) or None if c.coded else v for c, v in zip(columns, row, strict=True)]


def customer_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """CSV (UTF-8 with BOM) or XLSX of exactly the filtered rows, in the list's order, in cockpit.columns' columns.

    The CSV's header is the stable English names integrators read (?headers=local: the user's language, and words
    for codes); the XLSX is for people: headers and words in the user's language, typed and formatted cells.
    """
    data = customer_rows(user=request.user, params=request.GET)
    rows = export_rows(data.rows, labels.grade_labels())
    local = fmt == "xlsx" or request.GET.get("headers") == "local"
    columns = exported()
    header = [str(c.label) if local else str(c.export) for c in columns]
    if local:
        rows = _localised(columns, rows)
    if fmt == "xlsx":
        binary = io.BytesIO()
        count = write_xlsx(header, rows, binary, formats=[c.xlsx_format for c in columns],
                           widths=[c.xlsx_width for c in columns])
        response = HttpResponse(binary.getvalue(), content_type=XLSX)
    else:
        text = io.StringIO()
        count = write_csv(header, rows, text)
        response = HttpResponse(text.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    # Who took which customers out, with the exact filter (the list's querystring) and how many rows.
    audit(user=request.user, action="export", target="customers", filter=request.GET.urlencode(), rows=count,
          format=fmt, period=f"{data.period:%Y-%m}" if data.period else None)
    response["Content-Disposition"] = f'attachment; filename="{_export_name(data, fmt)}"'
    response["Content-Length"] = str(len(response.content))
    return response
