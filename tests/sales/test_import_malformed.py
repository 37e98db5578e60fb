"""Malformed and hostile import files (issue 7 item 3): formulas, wrong encodings, huge cells, millions of blank rows,
numbers that are not numbers. Complements test_import_sales.py / test_import_formats.py (which cover NaN, Infinity,
-inf, 1e3, three decimals, 13 digits, GBK and UTF-8 files) with what those leave out.
"""

import csv
import datetime as dt
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from analytics.services.policies import policy_set
from analytics.services.snapshots import snapshot_compute
from customers.models import Customer
from sales.imports.readers import MAX_CELL
from sales.models import Order, Product
from tests.sales.helpers import write_csv, write_xlsx

pytestmark = pytest.mark.django_db

HEADER = ["order_no", "order_date", "customer_code", "customer_name", "amount", "sku", "product_name"]
FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A2)", "=HYPERLINK(\"http://x\")"]
ROOT = Path(__file__).resolve().parents[2]


def sale(no: str, code: str, name: str, amount: str = "100", product: str = "可乐") -> list[str]:
    return [no, "2025-03-05", code, name, amount, f"SKU{no}", product]


def _formula_rows() -> list[list[str]]:
    return [sale(f"SO{i}", f"F{i}", text, product=text) for i, text in enumerate(FORMULAS)]


def _assert_stored_verbatim() -> None:
    stored = dict(Customer.objects.filter(code__startswith="F").values_list("code", "name"))
    assert stored == {f"F{i}": text for i, text in enumerate(FORMULAS)}
    assert sorted(Product.objects.values_list("name", flat=True)) == sorted(FORMULAS)


def _export(client, fmt: str) -> list[list[str]]:
    response = client.get(f"/customers/export.{fmt}?period=2025-03")
    assert response.status_code == 200
    if fmt == "csv":
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)  # no cell is a formula
    return [[("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_text_is_imported_as_text_and_neutralised_on_export(tmp_path, run_import, admin_user, client, fmt):
    path = tmp_path / f"sales.{fmt}"
    if fmt == "csv":
        write_csv(path, HEADER, _formula_rows())
    else:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(HEADER)
        for row in _formula_rows():
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                cell.data_type = "s"  # text that looks like a formula, as a clerk's paste leaves it
        workbook.save(path)
    report = run_import("sales", path)
    assert report.status == "done", report.error_lines()
    _assert_stored_verbatim()
    policy_set(data={"method": "fixed_amount"})
    snapshot_compute(period=dt.date(2025, 3, 1))
    client.force_login(admin_user)
    for export in ("csv", "xlsx"):
        rows = _export(client, export)
        names = {row[0]: row[1] for row in rows[1:]}
        # CSV: a leading ' so a spreadsheet reads text; XLSX: a text cell as it is (no cell is a formula, _export).
        prefix = "'" if export == "csv" else ""
        assert names == {f"F{i}": prefix + text for i, text in enumerate(FORMULAS)}, export


def test_a_real_formula_cell_is_never_evaluated_or_stored(tmp_path, run_import):
    """A genuine XLSX formula (no cached value: nobody opened it in Excel) reads as empty, not as its text."""
    path = write_xlsx(tmp_path / "f.xlsx", HEADER, [["SO1", "2025-03-05", "C1", "=1+1", "=A1*100", "S", "x"]])
    report = run_import("sales", path)
    assert report.error_lines() == ["f.xlsx:2: amount: required value missing"]
    assert not Order.objects.exists()


@pytest.mark.parametrize(("encoding", "text"), [
    ("latin-1", "Crème brûlée Café Señor Ñandú"),
    ("shift_jis", "東京都港区の株式会社テストとカタカナ"),
    ("cp1252", "Müller Straße Größe Äpfel"),
])
def test_wrong_encoding_is_one_clear_message(tmp_path, run_import, encoding, text):
    path = tmp_path / "sales.csv"
    rows = [sale(f"SO{i}", f"C{i}", f"{text} {i}", product="cola") for i in range(20)]
    write_csv(path, HEADER, rows, encoding=encoding)
    report = run_import("sales", path)
    assert report.status == "invalid"
    assert report.error_lines()[0].startswith("sales.csv:1: file: not UTF-8 or GBK/GB18030 text")
    assert len(report.error_lines()) == 1
    assert not Order.objects.exists() and not Customer.objects.exists()


def test_gbk_text_with_a_few_rare_characters_still_imports(tmp_path, run_import):
    """The encoding guard must not refuse real Chinese: rare name characters (GBK, not GB2312) among common ones."""
    rows = [sale("SO1", "C1", "鑫燊五金店"), sale("SO2", "C2", "天河区便利店"), sale("SO3", "C3", "越秀超市批发部")]
    report = run_import("sales", write_csv(tmp_path / "gbk.csv", HEADER, rows, encoding="gbk"))
    assert report.status == "done", report.error_lines()
    assert Customer.objects.get(code="C1").name == "鑫燊五金店"


def _patch_xlsx(path: Path, part: str, old: str, new: str) -> Path:
    """Rewrite one XML part of a saved workbook (openpyxl itself never writes what a hostile file holds)."""
    with zipfile.ZipFile(path) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    text = parts[part].decode()
    assert old in text
    parts[part] = text.replace(old, new).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, body in parts.items():
            dst.writestr(name, body)
    return path


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("column", ["customer_name", "note_not_imported"])
def test_huge_cell_is_refused_with_its_row_and_column(tmp_path, run_import, fmt, column):
    header = [*HEADER, "note_not_imported"]
    huge = "x" * (5 * 1024 * 1024)
    rows = [[*sale("SO1", "C1", "ok"), ""], [*sale("SO2", "C2", "ok"), ""]]
    rows[1][header.index(column)] = "HUGE-CELL-HERE" if fmt == "xlsx" else huge
    if fmt == "csv":
        path = write_csv(tmp_path / "big.csv", header, rows)
    else:  # openpyxl cuts what it writes to Excel's limit, so the 5 MB goes into the file's XML directly
        written = write_xlsx(tmp_path / "big.xlsx", header, rows)
        path = _patch_xlsx(written, "xl/worksheets/sheet1.xml", "HUGE-CELL-HERE", huge)
    report = run_import("sales", path)
    assert report.error_lines() == [f"big.{fmt}:3: {column}: cell longer than {MAX_CELL} characters"]
    assert len(json.dumps(report.as_dict())) < 10_000  # the 5 MB never travels into the report
    assert not Order.objects.exists()


def test_cell_over_the_csv_module_limit_in_a_quoted_multiline_record(tmp_path, run_import):
    path = tmp_path / "q.csv"
    path.write_text(",".join(HEADER) + '\nSO1,2025-03-05,C1,"a\n' + "y" * 300_000 + '",1,S,p\n', encoding="utf-8")
    expected = f"q.csv:2: customer_name: cell longer than {MAX_CELL} characters"
    assert run_import("sales", path).error_lines() == [expected]


@pytest.mark.parametrize(("amount", "problem"), [
    ("-Infinity", 'not a finite number: "-Infinity"'),
    ("+Infinity", 'not a finite number: "+Infinity"'),
    ("inf", 'not a finite number: "inf"'),
    ("-NaN", 'not a number: "-NaN"'),
    ("sNaN", 'not a number: "sNaN"'),
    ("1e309", 'not a number: "1e309" (write it without an exponent)'),
    ("-1E-400", 'not a number: "-1E-400" (write it without an exponent)'),
    ("99999999999999999999999999999999", 'more than 12 digits before the decimal point: '
                                         '"99999999999999999999999999999999"'),
    ("1000000000000.00", 'more than 12 digits before the decimal point: "1000000000000.00"'),
    ("-1,000,000,000,000", 'more than 12 digits before the decimal point: "-1,000,000,000,000"'),
    ("0.001", 'more than 2 decimal places: "0.001"'),
    ("12.3456789012345678901234567890", 'more than 2 decimal places: "12.3456789012345678901234567890"'),
    ("12 34", 'not a number: "12 34"'),
])
def test_amounts_that_are_not_money(tmp_path, run_import, amount, problem):
    report = run_import("sales", write_csv(tmp_path / "a.csv", HEADER, [sale("SO1", "C1", "n", amount=amount)]))
    assert report.error_lines() == [f"a.csv:2: amount: {problem}"]
    assert not Order.objects.exists()


def test_xlsx_numeric_cells_beyond_money(tmp_path, run_import):
    """XLSX number cells: a float too big for DecimalField(14, 2), and one with three decimals."""
    rows = [sale("SO1", "C1", "n", amount=1e20), sale("SO2", "C2", "n", amount=12.345)]
    report = run_import("sales", write_xlsx(tmp_path / "x.xlsx", HEADER, rows))
    assert report.error_lines() == [
        'x.xlsx:2: amount: more than 12 digits before the decimal point: "100000000000000000000"',
        'x.xlsx:3: amount: more than 2 decimal places: "12.345"',
    ]


def test_payments_reject_the_same_non_numbers(tmp_path, run_import, book):
    header = ["payment_no", "customer_code", "date", "amount"]
    rows = [["P1", "00101", "2025-01-01", "-Infinity"], ["P2", "00101", "2025-01-01", "1e309"],
            ["P3", "00101", "2025-01-01", "1" * 20]]
    report = run_import("payments", write_csv(tmp_path / "p.csv", header, rows))
    assert report.error_lines() == [
        'p.csv:2: amount: not a finite number: "-Infinity"',
        'p.csv:3: amount: not a number: "1e309" (write it without an exponent)',
        f'p.csv:4: amount: more than 12 digits before the decimal point: "{"1" * 20}"',
    ]


# ---- millions of blank rows: measured in a fresh process, so the peak memory is this file's alone -------------
MEASURE = """
import json, resource, sys, time
import django
django.setup()
import openpyxl
from sales.imports.readers import read_table
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.monotonic()
table = read_table(data)
seconds = time.monotonic() - start
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps([len(table.rows), table.numbers, seconds, grown // 1024]))
"""


def _measure(path: Path) -> tuple[int, list[int], float, int]:
    """(rows, their spreadsheet numbers, seconds, MB the peak memory grew by) of read_table in a fresh process."""
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", MEASURE, str(path)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    rows, numbers, seconds, grown_mb = json.loads(out)
    return rows, numbers, seconds, grown_mb


GROWTH_MB = 100  # beyond the file's own bytes; ten million empty records in a list alone would be ~700 MB


def test_ten_million_blank_csv_lines_read_in_bounded_memory(tmp_path):
    path = tmp_path / "blank.csv"
    with path.open("wb") as fh:
        fh.write(b"order_no,order_date,customer_code,amount\nSO1,2025-03-05,C1,1\n")
        fh.write(b"\n" * 10_000_000)
        fh.write(b"SO2,2025-03-06,C1,2\n")
    rows, numbers, seconds, grown_mb = _measure(path)
    assert (rows, numbers) == (2, [2, 10_000_003])
    assert grown_mb < GROWTH_MB, (seconds, grown_mb)  # speed is make bench's business, never a timed test


def _xlsx_with_sheet_xml(path: Path, sheet_rows: str, dimension: str) -> Path:
    """A valid workbook whose first sheet's XML is replaced: a claimed dimension and explicit (empty) rows."""
    write_xlsx(path, ["order_no", "order_date", "customer_code", "amount"], [["SO1", "2025-03-05", "C1", 1]])
    with zipfile.ZipFile(path) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    head, rest = sheet.split("<sheetData>", 1)
    data, tail = rest.split("</sheetData>", 1)
    head, claimed = re.subn(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}"/>', head)
    assert claimed == 1
    parts["xl/worksheets/sheet1.xml"] = (head + "<sheetData>" + data + sheet_rows + "</sheetData>" + tail).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, body in parts.items():
            dst.writestr(name, body)
    return path


def test_xlsx_claiming_a_million_rows_reads_only_what_is_there(tmp_path):
    path = _xlsx_with_sheet_xml(tmp_path / "dim.xlsx", "", "A1:XFD1048576")
    rows, numbers, seconds, grown_mb = _measure(path)
    assert (rows, numbers) == (1, [2])
    assert grown_mb < GROWTH_MB, (seconds, grown_mb)


def test_xlsx_with_a_million_empty_rows(tmp_path):
    empty = "".join(f'<row r="{n}" spans="1:4"><c r="A{n}" s="1"/></row>' for n in range(3, 1_000_003))
    path = _xlsx_with_sheet_xml(tmp_path / "rows.xlsx", empty, "A1:D1000002")
    assert path.stat().st_size < 10_000_000  # it compresses: a small upload that expands a lot
    rows, numbers, seconds, grown_mb = _measure(path)
    assert (rows, numbers) == (1, [2])
    assert grown_mb < GROWTH_MB, (seconds, grown_mb)
