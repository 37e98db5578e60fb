"""Hostile files give row errors, not tracebacks or giant lines (issue 17 item 9): NUL bytes, random binary data,
a 5 MB header cell, a NUL in the file name."""

import os

import pytest

from sales.imports import import_file
from sales.imports.errors import FIELD_CHARS, PROBLEM_CHARS
from sales.models import ImportBatch, Order

pytestmark = pytest.mark.django_db
HEADER = b"order_no,customer_code,order_date,amount\n"


def run(tmp_path, run_import, data: bytes):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    return run_import("sales", path)


@pytest.mark.parametrize(("data", "line"), [
    (HEADER + b"SO1,00\x0001,2025-01-01,10\n", "f.csv:2: file: contains a NUL byte: binary data, not text"),
    (b"order_no\x00,customer_code\nSO1,1\n", "f.csv:1: file: contains a NUL byte: binary data, not text"),
])
def test_nul_bytes_are_a_row_error(tmp_path, run_import, data, line):
    report = run(tmp_path, run_import, data)
    assert (report.status, report.error_lines()) == ("invalid", [line])
    assert not Order.objects.exists()


def test_random_binary_data_is_refused_not_read_as_text(tmp_path, run_import):
    report = run(tmp_path, run_import, os.urandom(5000))
    assert report.status == "invalid"
    assert report.error_lines()[0].startswith("f.csv:1: file: not UTF-8 or GBK/GB18030 text")


def test_a_5_mb_header_cell_gives_a_short_error_line(tmp_path, run_import):
    report = run(tmp_path, run_import, ("x" * 5_000_000 + ",customer_code\n1,2\n").encode())
    assert report.status == "invalid"
    assert report.error_lines() == ["f.csv:1: column 1: cell longer than 32767 characters"]
    assert all(len(e["problem"]) <= PROBLEM_CHARS + 40 and len(e["field"]) <= FIELD_CHARS + 40
               for e in ImportBatch.objects.get().errors)


def test_a_long_bad_cell_is_quoted_short(tmp_path, run_import):
    report = run(tmp_path, run_import, HEADER + f"SO1,001,{'9' * 30000},10\n".encode())
    line = report.error_lines()[0]
    assert line.startswith('f.csv:2: order_date: not a date: "999') and len(line) < 400
    assert line.endswith("more characters)")


def test_a_nul_in_the_file_name_is_dropped(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(HEADER + b"SO1,001,2025-01-01,10\n")
    report = import_file(kind="sales", path=path, name="bad\x00name.csv")
    assert report.status == "done" and ImportBatch.objects.get().file_name == "badname.csv"
