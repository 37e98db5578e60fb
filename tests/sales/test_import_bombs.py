"""Upload bombs (issue 17 item 5): small files that unpack or expand into gigabytes, against the CLI and the API.

Each bomb is built here, refused with one `FILE:ROW: field: problem` line, writes nothing, and the CLI import of
it is run in a fresh process whose peak memory (ru_maxrss) is printed and bounded.
"""

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from rest_framework.test import APIClient

from sales.models import ImportBatch, Order
from tests.sales.helpers import command, write_xlsx

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
URL = "/api/v1/imports/"
HEADER = ["order_no", "order_date", "customer_code", "amount"]
# How much the CLI process's peak memory may grow during the import (Django, pandas and friends are loaded before
# it is measured, about 320 MB): before the checks these bombs grew it by 0.4 to several GB.
GROWTH_MB = 150
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"


def _xlsx(path: Path, sheet_data: Callable[[], Iterator[str]], *, strings: Callable[[], Iterator[str]] | None = None,
          after_sheet_data: str = "") -> Path:  # fmt: skip
    """A valid one-row workbook whose sheet rows (and shared strings) are replaced by the given XML, streamed."""
    base = write_xlsx(path.with_suffix(".base.xlsx"), HEADER, [["SO1", "2025-03-05", "C1", 1]])
    with zipfile.ZipFile(base) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    sheet = parts.pop(SHEET).decode()
    head, rest = sheet.split("<sheetData>", 1)
    tail = rest.split("</sheetData>", 1)[1]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, body in parts.items():
            if name == "[Content_Types].xml" and strings is not None and b"sharedStrings" not in body:
                body = body.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
                                    b'application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"'
                                    b"/></Types>")  # fmt: skip
            if name == "xl/_rels/workbook.xml.rels" and strings is not None and b"sharedStrings" not in body:
                body = body.replace(b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats'
                                    b'.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"'
                                    b"/></Relationships>")  # fmt: skip
            if name != STRINGS or strings is None:
                dst.writestr(name, body)
        with dst.open(SHEET, "w") as out:
            out.write((head + "<sheetData>" + _header_row()).encode())
            for chunk in sheet_data():
                out.write(chunk.encode())
            out.write(("</sheetData>" + after_sheet_data + tail).encode())
        if strings is not None:
            with dst.open(STRINGS, "w") as out:
                for chunk in strings():
                    out.write(chunk.encode())
    base.unlink()
    return path


def _header_row() -> str:
    cells = "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{h}</t></is></c>' for col, h in zip("ABCD", HEADER, strict=True)
    )
    return f'<row r="1">{cells}</row>'


def _rows(count: int, cell: Callable[[int], str]) -> Iterator[str]:
    batch: list[str] = []
    for n in range(2, count + 2):
        batch.append(f'<row r="{n}">{cell(n)}</row>')
        if len(batch) == 10_000:
            yield "".join(batch)
            batch = []
    yield "".join(batch)


SST = '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def shared_reference_bomb(path: Path) -> Path:
    """One 32,000-character shared string (just under Excel's cell limit) in all four cells of 20,000 rows:
    a 2.56 billion character sheet in a file of a few hundred KB."""

    def strings() -> Iterator[str]:
        yield SST + "<si><t>" + "x" * 32_000 + "</t></si></sst>"

    ref = "".join(f'<c r="{col}{{n}}" t="s"><v>0</v></c>' for col in "ABCD")
    return _xlsx(path, lambda: _rows(20_000, lambda n: ref.replace("{n}", str(n))), strings=strings)


def shared_strings_bomb(path: Path) -> Path:
    """120 MB of shared strings (over IMPORT_XLSX_MAX_SHARED_STRINGS_MB = 100) that deflate to a small file."""

    def strings() -> Iterator[str]:
        yield SST
        for block in range(120):
            yield "".join(f"<si><t>{block:03d}{i:05d}{'y' * 990}</t></si>" for i in range(1000))
        yield "</sst>"

    return _xlsx(path, lambda: _rows(1, lambda n: f'<c r="A{n}" t="s"><v>0</v></c>'), strings=strings)


def many_rows_bomb(path: Path) -> Path:
    """1,100,000 rows: more than Excel's 1,048,576 (IMPORT_MAX_ROWS)."""
    return _xlsx(path, lambda: _rows(1_100_000, lambda n: f'<c r="A{n}" t="inlineStr"><is><t>S</t></is></c>'))


def deep_xml_bomb(path: Path) -> Path:
    """Two million nested elements after the sheet's data: 14 MB of XML the parser would hold as one tree."""
    depth = 2_000_000
    return _xlsx(path, lambda: iter([""]), after_sheet_data="<x>" * depth + "</x>" * depth)


def entity_bomb(path: Path) -> Path:
    """Billion laughs in the shared strings: ten levels of ten entity references."""

    def strings() -> Iterator[str]:
        levels = ['<!ENTITY l0 "lol">'] + [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)]
        yield '<?xml version="1.0"?><!DOCTYPE sst [' + "".join(levels) + "]>"
        yield SST.split("?>", 1)[1] + "<si><t>&l9;</t></si></sst>"

    return _xlsx(path, lambda: _rows(1, lambda n: f'<c r="A{n}" t="s"><v>0</v></c>'), strings=strings)


def wide_rows_bomb(path: Path) -> Path:
    """20,000 rows with a cell in column A and one in column XFD (16,384): each row read as 16,384 cells."""
    cells = '<c r="A{n}" t="inlineStr"><is><t>S</t></is></c><c r="XFD{n}" t="inlineStr"><is><t>Z</t></is></c>'
    return _xlsx(path, lambda: _rows(20_000, lambda n: cells.replace("{n}", str(n))))


# (builder, the one error line after the file name, or None when the rows are read narrowly and fail validation)
BOMBS = {
    "shared_reference": (shared_reference_bomb,
                         "4097: file: the sheet's cells hold more than 500 MB of text "
                         "(IMPORT_XLSX_MAX_UNCOMPRESSED_MB): not imported"),
    "shared_strings": (shared_strings_bomb,
                       "1: file: its shared strings unpack to more than 100 MB (IMPORT_XLSX_MAX_SHARED_STRINGS_MB)"),
    "many_rows": (many_rows_bomb, "1: file: a sheet has more than 1048576 rows (IMPORT_MAX_ROWS)"),
    "deep_xml": (deep_xml_bomb, f"1: file: part {SHEET} nests its XML more than 64 deep: not imported"),
    "entities": (entity_bomb, f"1: file: part {STRINGS} declares XML entities (a DTD): not imported"),
    "wide_rows": (wide_rows_bomb, None),
}  # fmt: skip


@pytest.fixture(scope="module")
def bomb_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    return {name: build(folder / f"{name}.xlsx") for name, (build, _) in BOMBS.items()}


def _assert_refused(lines: list[str], name: str, expected: str | None) -> None:
    if expected is None:
        assert lines and all(line.startswith((f"{name}.xlsx:", "... and ")) for line in lines), lines[:3]
    else:
        assert lines == [f"{name}.xlsx:{expected}"]


@pytest.mark.parametrize("name", list(BOMBS))
def test_bomb_refused_by_the_api_nothing_written(name, bomb_files, admin_user, django_capture_on_commit_callbacks):
    path = bomb_files[name]
    assert path.stat().st_size < 6_000_000, path.stat().st_size  # all well under the 50 MB upload limit
    client = APIClient()
    client.force_authenticate(admin_user)
    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/octet-stream")
    with django_capture_on_commit_callbacks(execute=True):  # the job's task (eager here) runs the checks
        response = client.post(URL, {"file": upload, "kind": "sales"}, format="multipart")
    assert response.status_code == 202, response.content[:500]
    body = client.get(response["Location"]).json()
    assert body["status"] == "invalid"
    _assert_refused(body["error_lines"][:1] if BOMBS[name][1] else body["error_lines"], name, BOMBS[name][1])
    assert not Order.objects.exists()
    assert ImportBatch.objects.get().status == "invalid"


@pytest.mark.parametrize("name", list(BOMBS))
def test_bomb_refused_by_the_cli_nothing_written(name, bomb_files):
    code, out, err = command("import_sales", str(bomb_files[name]), "--name", f"{name}.xlsx")
    assert code == 1
    lines = err.strip().splitlines()
    assert lines[-1].endswith(f"problem(s) in {name}.xlsx: nothing imported"), lines[-1:]
    _assert_refused([line for line in lines[:-1] if not line.startswith("...")], name, BOMBS[name][1])
    assert not Order.objects.exists()


# ---- peak memory of the CLI import, in a fresh process with its own SQLite database ---------------------------
CLI = """
import io, json, resource, sys
import django
django.setup()
from django.core.management import call_command
from django.core.management.base import CommandError
from sales.models import Order
# Loading Django (pandas, pyarrow, scikit-learn...) already set the high-water mark: reset it (Linux), so the
# peak measured is the import's own.
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
err, code = io.StringIO(), 0
try:
    call_command("import_sales", sys.argv[1], stdout=io.StringIO(), stderr=err)
except CommandError as exc:
    code = exc.returncode
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"code": code, "before_mb": before // 1024, "peak_mb": peak // 1024,
                  "orders": Order.objects.count(), "stderr": err.getvalue()[:2000]}))
"""


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory) -> dict[str, str]:
    database = tmp_path_factory.mktemp("bombdb") / "bombs.sqlite3"
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin",
           "DATABASE_URL": f"sqlite:///{database}", "HOME": os.environ.get("HOME", "/tmp")}  # fmt: skip
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    return env


@pytest.mark.parametrize("name", list(BOMBS))
def test_bomb_cli_peak_memory_is_bounded(name, bomb_files, cli_env):
    path = bomb_files[name]
    result = subprocess.run([sys.executable, "-c", CLI, str(path)], cwd=ROOT, env=cli_env, capture_output=True,
                            text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"\n{name}: file {path.stat().st_size / 1024:.0f} KB, CLI peak memory {figures['peak_mb']} MB "
          f"(before the import {figures['before_mb']} MB)")  # fmt: skip
    assert figures["code"] == 1 and figures["orders"] == 0, figures
    assert figures["peak_mb"] - figures["before_mb"] < GROWTH_MB, figures


# ---- the upload size limit ----------------------------------------------------------------------------------
@override_settings(IMPORT_MAX_UPLOAD_MB=1)
@pytest.mark.parametrize("size", [1024 * 1024 + 1000, 3 * 1024 * 1024])  # within the multipart slack, and well over
def test_an_upload_over_the_limit_gets_413_naming_it(size, admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    content = b"order_no,order_date,customer_code,amount\n" + b"SO1,2025-03-05,C1,1\n" * (size // 20)
    upload = SimpleUploadedFile("big.csv", content, content_type="text/csv")
    response = client.post(URL, {"file": upload, "kind": "sales"}, format="multipart", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "The file is larger than the 1 MB upload limit; nothing was imported.",
                               "limit_mb": 1}  # fmt: skip
    assert not Order.objects.exists() and not ImportBatch.objects.exists()


@override_settings(IMPORT_MAX_FILE_MB=1, IMPORT_MAX_UPLOAD_MB=50)
def test_the_importer_refuses_a_file_over_the_limit_without_reading_it(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"order_no,order_date,customer_code,amount\n" + b"SO1,2025-03-05,C1,1\n" * 60_000)
    code, out, err = command("import_sales", str(path), "--name", "big.csv")
    assert code == 1
    assert err.splitlines()[0] == (
        "big.csv:1: file: the file is larger than the 1 MB limit of the import commands (IMPORT_MAX_FILE_MB)"
    )
    assert not Order.objects.exists()
    assert ImportBatch.objects.get().status == "invalid"


@override_settings(IMPORT_MAX_UPLOAD_MB=1)
def test_a_local_file_over_the_upload_limit_is_still_imported_by_the_command(tmp_path):
    """The upload limit guards the web workers; the commands read an operator's file (the reference ledger of a
    million lines is about 90 MB, `make bench` imports it)."""
    path = tmp_path / "big.csv"
    path.write_bytes(b"order_no,order_date,customer_code,amount\n"
                     + b"".join(b"SO%d,2025-03-05,C1,1\n" % i for i in range(60_000)))
    assert path.stat().st_size > 1024 * 1024
    code, out, err = command("import_sales", str(path), "--name", "big.csv")
    assert code == 0, err
    assert Order.objects.count() == 60_000
