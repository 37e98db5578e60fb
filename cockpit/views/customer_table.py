"""The customer list's table as data for its template: the headers and each row's cells, per cockpit.columns.

No markup here: templates/cockpit/customers/_table.html writes it. A cell's text is the column's format of the
row's value (cockpit.columns.Column.text); the cells with more than text (the customer's link, the grade with
its override, the churn risk with its reasons ...) are branches of the template, which reads the row itself.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from cockpit import labels
from cockpit.columns import Column, flags_of
from cockpit.selectors.customers import ListRow


@dataclass(frozen=True)
class Cell:
    column: Column
    text: str
    warn: bool = False


@dataclass(frozen=True)
class Line:
    """One row of the table: the ListRow (for the template's rich cells), its cells, its churn-risk reasons."""

    row: ListRow
    cells: list[Cell]
    reasons: list[str] = field(default_factory=list)
    flags: list[tuple[str, str]] = field(default_factory=list)  # (code, word) of each flag, for its chip


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


def lines(rows: Iterable[ListRow], columns: Sequence[Column], *, grade_labels: Mapping[str, str],
          risk_reasons: Mapping[int, list[str]] | None = None) -> list[Line]:
    """The page's rows with the shown columns' cells, and each row's churn-risk reasons when there are any."""
    out = []
    for row in rows:
        cells = []
        for column in columns:
            value = column.value(row, grade_labels)
            cells.append(Cell(column, column.text(value), column.warns(value)))
        flags = [(f, labels.text(labels.FLAG_TEXT, f)) for f in flags_of(row)]
        out.append(Line(row, cells, (risk_reasons or {}).get(row.customer_id, []), flags))
    return out
