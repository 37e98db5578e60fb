"""manage.py import_customers PATH [--dry-run] [--progress] (docs/imports.md §4.2)."""

from ._import_base import ImportCommand


class Command(ImportCommand):
    help = (
        "Import customer master data: code, name, region, salesperson, contact, phone, address, tags, shop_type, "
        "first_seen, credit_days, birthday, sms_opt_out"
    )
    kind = "customers"
