"""Upload and XLSX limits (issue 17 item 5): a small upload must not grow a worker by gigabytes.

A 1.09 MB XLSX grew a gunicorn worker to 1.8 GB: an XLSX is a zip, so its size on the wire says little about
what parsing it costs. Everything that can be learned from the zip's directory and one cheap streaming pass over
its XML (sizes, compression ratio, nesting depth, DTD entities, row count) is checked before openpyxl sees it.
"""

import zipfile
from dataclasses import dataclass
from typing import IO
from xml.parsers import expat

from django.conf import settings

MB = 1024 * 1024
# Excel's own sheet size: no genuine XLSX has more rows, and no ledger the cockpit takes (BENCHMARKS.md, Targets)
# comes near it.
EXCEL_MAX_ROWS = 1_048_576
# A real workbook nests its XML less than a dozen deep (sheet / sheetData / row / c / is / r / t); a hostile one
# nests a million deep to make the parser hold a million elements.
MAX_XML_DEPTH = 64
# Deflate packs repetitive XML well (a blank sheet ~20x, a ledger ~10x); a bomb packs 1000x. Small parts (a 5 MB
# cell is refused later with its row and column) are not worth refusing by ratio alone.
MAX_RATIO, RATIO_FLOOR_MB = 200, 20
# Parts openpyxl reads whole into memory as a tree (workbook, styles, relationships): never large in a real file.
MAX_OTHER_PART_MB = 20


def max_upload_bytes() -> int:
    return int(settings.IMPORT_MAX_UPLOAD_MB * MB)


def upload_limit_text() -> str:
    return f"the file is larger than the {settings.IMPORT_MAX_UPLOAD_MB} MB upload limit (IMPORT_MAX_UPLOAD_MB)"


def max_file_bytes() -> int:
    """The import commands' limit: the file is on the server's disk, put there by an operator."""
    return int(settings.IMPORT_MAX_FILE_MB * MB)


def file_limit_text() -> str:
    limit = settings.IMPORT_MAX_FILE_MB
    return f"the file is larger than the {limit} MB limit of the import commands (IMPORT_MAX_FILE_MB)"


@dataclass(frozen=True)
class XlsxProblem(Exception):
    message: str

    def __str__(self) -> str:
        return self.message


def check_xlsx(archive: zipfile.ZipFile) -> None:
    """Refuse (XlsxProblem) an XLSX whose parts would cost far more than its size says, before parsing it."""
    members = archive.infolist()
    total_mb = settings.IMPORT_XLSX_MAX_UNCOMPRESSED_MB
    if sum(m.file_size for m in members) > total_mb * MB:
        raise XlsxProblem(f"unpacks to more than {total_mb} MB (IMPORT_XLSX_MAX_UNCOMPRESSED_MB): not imported")
    for member in members:
        size, name = member.file_size, member.filename
        if size > RATIO_FLOOR_MB * MB and size > MAX_RATIO * max(member.compress_size, 1):
            raise XlsxProblem(f"part {name[:80]} unpacks more than {MAX_RATIO} times its packed size: not imported")
        if name.lower().endswith("sharedstrings.xml"):
            limit = settings.IMPORT_XLSX_MAX_SHARED_STRINGS_MB
            if size > limit * MB:
                raise XlsxProblem(
                    f"its shared strings unpack to more than {limit} MB (IMPORT_XLSX_MAX_SHARED_STRINGS_MB)"
                )
        elif not name.startswith("xl/worksheets/") and size > MAX_OTHER_PART_MB * MB:
            raise XlsxProblem(f"part {name[:80]} unpacks to more than {MAX_OTHER_PART_MB} MB: not imported")
    for member in members:
        if member.filename.endswith((".xml", ".rels")) and not member.is_dir():
            with archive.open(member) as part:
                rows = _scan_xml(part, member.filename)
            if member.filename.startswith("xl/worksheets/") and rows > settings.IMPORT_MAX_ROWS:
                raise XlsxProblem(f"a sheet has more than {settings.IMPORT_MAX_ROWS} rows (IMPORT_MAX_ROWS)")


def _scan_xml(part: IO[bytes], name: str) -> int:
    """One expat pass in 1 MB chunks: refuse DTD entities (billion laughs) and deep nesting; count the rows."""
    parser = expat.ParserCreate(namespace_separator=" ")
    depth = deepest = rows = 0

    def start(tag: str, attrs: object) -> None:
        nonlocal depth, deepest, rows
        depth += 1
        if depth > deepest:
            deepest = depth
            if depth > MAX_XML_DEPTH:
                raise XlsxProblem(f"part {name[:80]} nests its XML more than {MAX_XML_DEPTH} deep: not imported")
        if tag.endswith(" row") or tag == "row":
            rows += 1
            if rows > settings.IMPORT_MAX_ROWS:
                raise XlsxProblem(f"a sheet has more than {settings.IMPORT_MAX_ROWS} rows (IMPORT_MAX_ROWS)")

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1

    def entity(*args: object) -> None:
        raise XlsxProblem(f"part {name[:80]} declares XML entities (a DTD): not imported")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.EntityDeclHandler = entity
    parser.StartDoctypeDeclHandler = entity
    try:
        while chunk := part.read(MB):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise XlsxProblem(f"part {name[:80]} is not well-formed XML ({exc})") from exc
    return rows
