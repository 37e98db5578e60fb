"""The customer list's table as data for its template: the headers and each row's cells, per cockpit.columns.

No markup here: templates/cockpit/customers/_table.html writes it. A cell's text is the column's format of the
row's value (cockpit.columns.Column.text); the cells with more than text (the customer's link, the grade with
its override, the churn risk with its reasons ...) are branches of the template, which reads the row itself.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext

from analytics.churn.reasons import reason_labels
from cockpit import labels
from cockpit.columns import Column, flags_of
from cockpit.selectors.customers import ListRow


def querystring(params: Any, drop: Sequence[str] = ("page",), **extra: Any) -> str:
    """The request's parameters without `drop`, without empty values (never carried into a link), plus `extra`."""
    pairs = [(k, v) for k, values in params.lists() if k not in drop and k not in extra for v in values if v != ""]
    return urlencode(pairs + [(k, v) for k, v in extra.items() if v not in (None, "")])


def headers(columns: Iterable[Column], sort: str, params: Any) -> list[dict[str, Any]]:
    """Each shown column's header: its key, its column, its sort link (first click on a number: biggest first; on
    text: A to Z), its aria-sort (ascending, descending or none) and arrow."""
    out = []
    descending = sort.startswith("-")
    for column in columns:
        current = sort.lstrip("-") == column.key
        if current:
            nxt = column.key if descending else f"-{column.key}"
        else:
            nxt = f"-{column.key}" if column.numeric else column.key
        aria = ("descending" if descending else "ascending") if current else "none"
        arrow = ("▼" if descending else "▲") if current else ""
        url = "?" + querystring(params, drop=("page", "sort"), sort=nxt)
        out.append({"key": column.key, "column": column, "url": url, "aria": aria, "arrow": arrow})
    return out


def lines(rows: Iterable[ListRow], columns: Sequence[Column], *, grade_labels: Mapping[str, str]
          ) -> list[dict[str, Any]]:
    """The page's rows for _table.html: each row (for the rich cells), its cells (text, CSS class, which kind of
    cell), its churn-risk reasons (stored with the risk) and its flags as (code, word).

    Dicts, not objects: the template engine tries `x["name"]` before `x.name`, and on an object every cell's
    lookups would fail into an exception first (600 cells a page: 8 ms against 4.6 ms). The profile link, the
    checkbox's label and the movement's word are worked out here too: as {% url %}, {% blocktrans %} and
    {% trans %} in each of 50 rows they were 7 of the table's 20 ms.
    """
    kinds = [(column, _css(column), column.cell) for column in columns]
    select = gettext("Select %(name)s")  # the row's checkbox label; words looked up once a page, not per row
    movement = {code: str(word) for code, word in labels.MOVEMENT_TEXT.items()}
    out = []
    for row in rows:
        cells = []
        for column, css, kind in kinds:
            value = column.value(row, grade_labels)
            cells.append({"text": column.text(value), "css": f"{css} down" if column.warns(value) else css,
                          "kind": kind})
        out.append({
            "row": row._asdict(), "cells": cells, "reasons": [str(label) for label in reason_labels(row.churn_reasons)],
            "flags": [(f, labels.text(labels.FLAG_TEXT, f)) for f in flags_of(row)],
            "url": reverse("cockpit:customer_profile", args=[row.code]), "select": select % {"name": row.name},
            "movement": movement.get(row.movement, ""),
        })
    return out


def _css(column: Column) -> str:
    return f"{column.width} num" if column.numeric else column.width
