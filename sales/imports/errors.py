"""Row errors and the import report (docs/imports.md §5: `FILE:ROW: field: problem` lines, at most 100 listed)."""

from dataclasses import dataclass, field
from typing import Any

from core.exceptions import DomainError

# docs/imports.md §5: at most 100 problems listed, then "... and N more".
ERROR_LIST_LIMIT = 100
# The batch row keeps more than the screen shows, but not an unbounded list for a 200,000-row disaster.
ERROR_STORE_LIMIT = 1000


# A field name is a header cell and a problem may quote a cell: either can be a 5 MB cell of a hostile file, and
# PostgreSQL refuses a NUL in the batch's JSON. Lines stay short and printable (issue 17 item 9).
FIELD_CHARS, PROBLEM_CHARS = 64, 300


def clip(text: str, limit: int) -> str:
    """`text` with NUL bytes shown as \\x00 and cut to `limit` characters, saying how much was cut."""
    text = text.replace("\x00", "\\x00")
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


@dataclass(frozen=True, order=True)
class RowError:
    """One problem: rows are numbered as a spreadsheet shows them (header = row 1)."""

    row: int
    col: int
    field: str
    problem: str
    file: str = ""

    def format(self) -> str:
        return f"{self.file}:{self.row}: {self.field}: {self.problem}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "field": self.field, "problem": self.problem}


class ErrorList:
    """Collects the problems of one file; all of them, so the count in "... and N more" is exact."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._items: list[RowError] = []

    def add(self, row: int, field_name: str, problem: str, col: int = 0) -> None:
        self._items.append(RowError(row=row, col=col, field=clip(field_name, FIELD_CHARS),
                                    problem=clip(problem, PROBLEM_CHARS), file=self.file))

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def sorted(self) -> list[RowError]:
        """Problems in file order: by row, then by column, whichever check found them."""
        return sorted(self._items)


def format_errors(errors: list[RowError], *, total: int | None = None, limit: int = ERROR_LIST_LIMIT) -> list[str]:
    """The lines a person reads: the first `limit` problems, then `... and N more`."""
    total = len(errors) if total is None else total
    lines = [e.format() for e in errors[:limit]]
    if total > limit:
        lines.append(f"... and {total - limit} more")
    return lines


class ImportUsageError(DomainError):
    """The request itself is wrong (no such file, unknown kind): exit code 2, nothing recorded."""


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do); mirrors the ImportBatch row."""

    kind: str
    file_name: str
    sha256: str = ""
    dry_run: bool = False
    status: str = "running"
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    periods: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    # Side effects worth telling a person about (customers or products created on first sight, ...).
    details: dict[str, int] = field(default_factory=dict)
    failure: str = ""
    batch_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == "done"

    def error_lines(self) -> list[str]:
        return format_errors(self.errors, total=self.error_count)

    def summary(self) -> str:
        """One line for the command line: counts, then the periods touched."""
        text = (
            f"{self.file_name}: {self.rows} rows, {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )
        extra = ", ".join(f"{v} {k}" for k, v in sorted(self.details.items()) if v)
        if extra:
            text += f" ({extra})"
        if self.periods:
            text += "; periods " + ", ".join(self.periods)
        return ("dry run, nothing written: " + text) if self.dry_run else text

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "kind": self.kind,
            "file_name": self.file_name,
            "sha256": self.sha256,
            "dry_run": self.dry_run,
            "status": self.status,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "periods": self.periods,
            "details": self.details,
            "error_count": self.error_count,
            "errors": [e.as_dict() for e in self.errors[:ERROR_LIST_LIMIT]],
            "error_lines": self.error_lines(),
            "failure": self.failure,
        }
