"""The shared shape of import_sales / import_customers / import_payments / import_visits (docs/imports.md §5).

Exit codes: 0 success; 1 invalid input (every problem printed as FILE:ROW: field: problem, at most 100, then
"... and N more") or a failed write; 2 usage errors (missing file, unknown option), also under call_command.
"""

from argparse import ArgumentParser
from typing import Any, NoReturn

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from sales.imports import ImportUsageError, import_file

PROGRESS_MIN_ROWS = 5000


class ProgressPrinter:
    """`validating 40% (40000/100000)` on stderr, rewritten in place with \\r; silent for small files."""

    def __init__(self, stream: Any, *, force: bool) -> None:
        self.stream = stream
        self.enabled = force or bool(getattr(stream, "isatty", lambda: False)())
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total <= PROGRESS_MIN_ROWS:
            return
        if self.stage and stage != self.stage:
            self._write("\n")
        self.stage = stage
        self._write(f"\r{stage} {done * 100 // total}% ({done}/{total})")
        self.stream.flush()

    def close(self) -> None:
        if self.stage:
            self._write("\n")
            self.stage = ""

    def _write(self, text: str) -> None:
        # Django's OutputWrapper adds a newline unless told otherwise; \r progress must stay on one line.
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, ending="")
        else:
            self.stream.write(text)


class ImportCommand(BaseCommand):
    kind = ""
    columns = ""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def usage_error(message: str) -> NoReturn:
            # argparse exits 2 on the command line; under call_command Django raises CommandError with 1: keep 2.
            raise CommandError(f"Error: {message}", returncode=2)

        if not getattr(parser, "called_from_command_line", False):
            parser.error = usage_error  # type: ignore[method-assign]  # per-instance override, on purpose
        return parser

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX (first sheet, header row 1)")
        parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        parser.add_argument("--progress", action="store_true", help="show progress even when stderr is not a tty")
        parser.add_argument("--name", help="the file name used in messages and the batch record (default: PATH)")
        parser.add_argument("--user", help="username recorded as who imported (default: nobody)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = None
        if options.get("user"):
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no such user: {options['user']}", returncode=2)
        printer = ProgressPrinter(self.stderr, force=options["progress"])
        try:
            report = import_file(
                kind=self.kind, path=options["path"], name=options.get("name") or options["path"], user=user,
                dry_run=options["dry_run"], progress=printer,
            )  # fmt: skip
        except ImportUsageError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        finally:
            printer.close()
        if report.status == "invalid":
            for line in report.error_lines():
                self.stderr.write(line)
            raise CommandError(f"{report.error_count} problem(s) in {report.file_name}: nothing imported", returncode=1)
        if report.status != "done":
            raise CommandError(report.failure or "import failed: nothing imported", returncode=1)
        self.stdout.write(report.summary())
