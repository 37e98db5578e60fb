"""export_snapshot --period YYYY-MM --out FILE.csv|FILE.xlsx (docs/interfaces.md §3)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics.export import EXPORT_COLUMNS, EXPORT_FORMATS, snapshot_export_rows, write_csv, write_xlsx
from analytics.models import CustomerSnapshot, PeriodSummary
from analytics.periods import parse_period
from customers.services import audit


class Command(BaseCommand):
    help = "Export one period's snapshot, one row per covered customer, as CSV (UTF-8 with BOM) or XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True)
        parser.add_argument("--out", required=True)

    def handle(self, *args, **options) -> None:
        try:
            period = parse_period(options["period"])
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        out = Path(options["out"])
        if out.suffix.lower() not in (".csv", ".xlsx"):
            raise CommandError("--out must end in .csv or .xlsx", returncode=2)
        summary = PeriodSummary.objects.select_related("policy").filter(period=period).first()
        if summary is None:
            raise CommandError(f"no snapshot for {options['period']}: run compute_snapshots --period first")
        labels = summary.policy.data.get("labels", {})
        rows = snapshot_export_rows(CustomerSnapshot.objects.filter(period=period), labels)
        if out.suffix.lower() == ".csv":
            with out.open("w", encoding="utf-8", newline="") as fh:
                count = write_csv(EXPORT_COLUMNS, rows, fh)
        else:
            with out.open("wb") as fh:
                count = write_xlsx(EXPORT_COLUMNS, rows, fh, formats=[EXPORT_FORMATS.get(c) for c in EXPORT_COLUMNS])
        # Exports are audited like the list's (no user: a command run on the server), with the period.
        audit(user=None, action="export", target="snapshot", period=f"{period:%Y-%m}", rows=count,
              format=out.suffix.lower().lstrip("."), file=str(out))
        self.stdout.write(f"{count} rows written to {out}")
