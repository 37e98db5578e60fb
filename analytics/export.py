"""Tables written as CSV (UTF-8 with BOM, formula-looking text neutralised) or XLSX (typed cells, no formulas).

export_snapshot's table (docs/interfaces.md §3) and the customer list's exports both write through here.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO, Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from analytics.models import CustomerSnapshot

EXPORT_COLUMNS = [
    "customer_code", "customer_name", "region", "salesperson", "grade", "grade_label", "computed_grade",
    "previous_grade", "movement", "sales", "orders", "profit", "mom_growth", "yoy_growth", "lifecycle", "is_new",
    "days_since_last_order", "sales_surge", "sales_plunge", "orders_surge", "orders_plunge", "receivable",
    "overdue", "last_order_date", "last_visit_date", "last_coupon_date", "rfm_r", "rfm_f", "rfm_m", "rfm_segment",
    "quadrant", "action", "churn_risk",
]
MONEY, PERCENT = "#,##0.00", "0.0%"
# Number formats of export_snapshot's XLSX (the rest: General, dates yyyy-mm-dd).
EXPORT_FORMATS = {"sales": MONEY, "profit": MONEY, "receivable": MONEY, "overdue": MONEY, "mom_growth": PERCENT,
                  "yoy_growth": PERCENT, "churn_risk": PERCENT}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Prefix ' to text a spreadsheet would run as a formula (= + - @ tab CR); numbers are not passed here."""
    return "'" + value if value.startswith(FORMULA_START) else value


def cell(value: Any) -> str:
    """One exported cell: booleans true/false, money with 2 decimals, blanks empty, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(round(value, 6))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return neutralise(str(value))


def churn_risk_cell(value: float | None) -> float | None:
    """docs/analytics.md §3.7: the churn probability 0..1 to 4 decimals; blank where no winning model scored the
    customer."""
    return None if value is None else round(min(1.0, max(0.0, float(value))), 4)


def snapshot_export_rows(qs: QuerySet[CustomerSnapshot], labels: dict[str, str]) -> Iterator[list[Any]]:
    """Rows of EXPORT_COLUMNS for the snapshots in `qs` (already scoped by the caller), in code order."""
    rows = qs.select_related("customer", "region", "salesperson").order_by("code")
    for s in rows.iterator(chunk_size=2000):
        yield [
            s.code, s.customer.name, s.region.path if s.region else None,
            s.salesperson.name if s.salesperson else None, s.grade, labels.get(s.grade, ""), s.computed_grade,
            s.previous_grade or None, s.movement or None, s.sales, s.orders, s.profit, s.mom_growth, s.yoy_growth,
            s.lifecycle, s.is_new, s.days_since_last_order, s.sales_surge, s.sales_plunge, s.orders_surge,
            s.orders_plunge, s.receivable, s.overdue, s.last_order_date, s.last_visit_date, s.last_coupon_date,
            s.rfm_r, s.rfm_f, s.rfm_m, s.rfm_segment or None, s.quadrant or None, s.action,
            churn_risk_cell(s.churn_risk),
        ]


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], out: IO[str]) -> int:
    """CSV with a BOM so Excel on Chinese Windows opens it as UTF-8; returns the row count."""
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([cell(v) for v in row])
        count += 1
    return count


def xlsx_cell(sheet: WriteOnlyWorksheet, value: Any, number_format: str | None = None) -> WriteOnlyCell:
    """One typed XLSX cell: numbers and dates as numbers and dates (with `number_format`), text as text.

    Text is written as it is: a spreadsheet never runs a text cell, and a visible apostrophe before a phone number
    is a defect. Only a string starting with "=" would become a formula in openpyxl: it is kept a string cell.
    """
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, Decimal):
        value = float(value.quantize(Decimal("0.01")))
    elif value is not None and not isinstance(value, int | float) and not hasattr(value, "isoformat"):
        value = str(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    if hasattr(value, "isoformat"):
        cell.number_format = number_format or "yyyy-mm-dd"
    elif number_format and value is not None and not isinstance(value, str):
        cell.number_format = number_format
    return cell


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], out: IO[bytes], *,
               formats: Sequence[str | None] | None = None, widths: Sequence[int] | None = None) -> int:
    """One sheet, header in row 1 (frozen, with an autofilter), typed cells with each column's number format;
    streamed (write-only) so a big export stays small in memory. Returns the row count."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("snapshot")
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths or [], 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append(list(header))
    fmts = list(formats or [None] * len(header))
    count = 0
    for row in rows:
        sheet.append([xlsx_cell(sheet, v, f) for v, f in zip(row, fmts, strict=True)])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(header), 1))}{count + 1}"
    book.save(out)
    return count
