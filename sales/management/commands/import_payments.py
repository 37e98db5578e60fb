"""manage.py import_payments PATH [--dry-run] [--progress] (docs/imports.md §4.3)."""

from ._import_base import ImportCommand


class Command(ImportCommand):
    help = "Import payments: payment_no, customer_code, date, amount"
    kind = "payments"
