"""manage.py import_sales PATH [--dry-run] [--progress] (docs/imports.md §4.1)."""

from ._import_base import ImportCommand


class Command(ImportCommand):
    help = "Import a sales ledger (one row per order line): order_no, order_date, customer_code, amount, ..."
    kind = "sales"
