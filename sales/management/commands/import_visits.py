"""manage.py import_visits PATH [--dry-run] [--progress] (docs/imports.md §4.4)."""

from ._import_base import ImportCommand


class Command(ImportCommand):
    help = "Import visits: customer_code, date, salesperson, kind, note, next_date (optional visit_no as key)"
    kind = "visits"
