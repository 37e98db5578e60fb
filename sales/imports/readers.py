"""File -> header + rows of text (docs/imports.md §1): CSV in UTF-8 (BOM or not) / GBK-GB18030, or XLSX (first sheet).

Every cell comes back as `str`, so a code like 00123 keeps its zeros; XLSX numbers and dates are turned into the
text a person would have typed (45678 -> "45678", a date cell -> "2025-01-20").
"""

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from decimal import Decimal

from django.conf import settings

from .csv_fast import MAX_CELL, read_csv_columns
from .limits import XlsxProblem, check_xlsx
from .table import Table, header_names

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"


# MAX_CELL is Excel's own limit for one cell. A longer cell is no business value but a broken or hostile file; it
# is refused with its row and column before it can travel into error messages (which quote cells) or the database.
# The csv module refuses fields over 128 KiB with a bare csv.Error; lift that so MAX_CELL can name the column.
csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))


class FileFormatError(Exception):
    """The file cannot be read as a table (reported as FILE:row: field: message; row 1, `file` by default)."""

    def __init__(self, message: str, *, row: int = 1, field: str = "file") -> None:
        super().__init__(message)
        self.row, self.field = row, field


NOT_TEXT = "not UTF-8 or GBK/GB18030 text"


def decode_text(data: bytes) -> str:
    """UTF-8 (a BOM is dropped) first, since it is strict; anything else is taken as GB18030, a superset of GBK.

    GB18030 decodes almost any bytes, so a Latin-1 or Shift-JIS file would come in as rare-character mojibake:
    Chinese business text is nearly all in GB2312's common characters, so a file whose non-ASCII text is mostly
    outside GB2312 is refused instead of imported garbled.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise FileFormatError(NOT_TEXT) from exc
    if _mostly_rare(text):
        raise FileFormatError(f"{NOT_TEXT} (it looks like another encoding, e.g. Latin-1 or Shift-JIS)")
    return text


def _mostly_rare(text: str, sample: int = 20000) -> bool:
    """More than a quarter of the (first `sample`) non-ASCII characters are outside GB2312."""
    wide = [ch for ch in text[: sample * 4] if ord(ch) > 127][:sample]
    rare = 0
    for ch in wide:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            rare += 1
    return bool(wide) and rare * 4 > len(wide)


def read_table(data: bytes) -> Table:
    """Read CSV or XLSX bytes (told apart by content, not by file name) into a Table."""
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data)
    if data.startswith(XLS_MAGIC):
        raise FileFormatError("Excel 97-2003 (.xls) files are not supported: save as .xlsx or CSV")
    text = decode_text(data)
    nul = text.find("\x00")
    if nul >= 0:
        # Text never holds a NUL; binary data does (the csv module takes it in and PostgreSQL refuses it later).
        raise FileFormatError("contains a NUL byte: binary data, not text", row=text.count("\n", 0, nul) + 1)
    return _read_csv(text)


def _finish(records: Iterator[list[str]]) -> Table:
    """Header and non-blank rows, streamed: blank lines (even ten million of them) are dropped as they are read."""
    header: list[str] | None = None
    rows: list[list[str]] = []
    kept: list[int] = []
    for number, record in enumerate(records, start=1):
        if header is None:
            header = header_names(record)
            _check_size(header, number, header)
            continue
        if not any(record):
            continue  # blank lines between blocks are common in hand-edited files
        _check_size(record, number, header)
        if len(record) < len(header):
            record = record + [""] * (len(header) - len(record))
        rows.append(record)
        kept.append(number)
    if header is None:
        raise FileFormatError("the file is empty: no header row")
    return Table(header, kept, rows=rows)


def _check_size(record: list[str], number: int, header: list[str]) -> None:
    if not record or max(map(len, record)) <= MAX_CELL:
        return  # the common case, in C: a million rows cost 1.7 s cell by cell
    for index, value in enumerate(record):
        if len(value) > MAX_CELL:
            # The over-long cell may be the header cell itself: name the column by its place then.
            named = index < len(header) and header[index] and len(header[index]) <= MAX_CELL
            name = header[index] if named else f"column {index + 1}"
            raise FileFormatError(f"cell longer than {MAX_CELL} characters", row=number, field=name)


def _read_csv(text: str) -> Table:
    first_line = text.split("\n", 1)[0]
    # Some ERPs save tab-separated text under a .csv name; a header with tabs and no commas gives it away.
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    return read_csv_columns(text, delimiter) or read_csv_rows(text, delimiter)


def read_csv_rows(text: str, delimiter: str) -> Table:
    """The csv module's reading, record by record: the reference that csv_fast matches where it answers."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # A quoted cell may span lines, but a spreadsheet still shows each record as one row.
        return _finish(reader)
    except csv.Error as exc:
        raise FileFormatError(f"not readable as CSV: {exc}", row=reader.line_num or 1) from exc


def cell_text(value: object) -> str:
    """An XLSX cell as the text a person would have typed."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        # repr is the shortest text that round-trips (12.5, not 12.4999...); Decimal avoids 1e-05 notation.
        return format(Decimal(repr(value)), "f")
    return str(value)


def _read_xlsx(data: bytes) -> Table:
    import openpyxl  # imported here: CSV, the fast path, never pays for it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_xlsx(archive)  # sizes, ratio, depth, entities, rows: before openpyxl parses anything
    except XlsxProblem as exc:
        raise FileFormatError(str(exc)) from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError) as exc:
        raise FileFormatError(f"not a readable XLSX file ({exc.__class__.__name__})") from exc
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a zoo of errors for a damaged file
        raise FileFormatError(f"not a readable XLSX file ({exc.__class__.__name__})") from exc
    try:
        sheet = workbook.worksheets[0]
        # The stored dimension may claim a million rows (any formatted cell does it); read only what is there.
        sheet.reset_dimensions()
        # Only the header's columns are ever read. Without a bound, one cell in column XFD makes every row a
        # 16,384-cell tuple: a 100 KB file of such rows held gigabytes.
        first = next(sheet.iter_rows(max_row=1, values_only=True), ())
        width = max(len(header_names([cell_text(v) for v in first])), 1)
        rows = sheet.iter_rows(max_col=width, values_only=True)
        return _finish(_bounded_text(rows))
    finally:
        workbook.close()


def _bounded_text(rows: Iterator[tuple[object, ...]]) -> Iterator[list[str]]:
    """The sheet's rows as text, refused once their cells hold more text than the sheet may unpack to.

    One shared string is stored once and may be referenced by every cell: a 1 MB file can stand for gigabytes
    of text, which the importers would then copy cell by cell (strip, parse). Refused with the row it crosses at.
    """
    limit_mb = settings.IMPORT_XLSX_MAX_UNCOMPRESSED_MB
    budget = limit_mb * 1024 * 1024
    for number, row in enumerate(rows, start=1):
        if not any(row):
            yield []
            continue
        record = [cell_text(v) for v in row]
        budget -= sum(map(len, record))
        if budget < 0:
            raise FileFormatError(
                f"the sheet's cells hold more than {limit_mb} MB of text (IMPORT_XLSX_MAX_UNCOMPRESSED_MB): "
                "not imported",
                row=number,
            )
        yield record
