"""`manage.py seed_demo` (docs/interfaces.md §4): a realistic, deterministic demo book of a Chinese wholesaler.

Safety rules:
- refuses when settings.DEBUG is off unless --force or the settings say they are the demo's own
  (DEMO_SEED_ALLOWED, set only by config/settings/local.py): a demo must not land in production by accident;
- --if-empty does nothing when any customer or order exists (`make run` calls it every time);
- otherwise a non-empty database is refused unless --force, which first DELETES the demo's tables (orders,
  lines, payments, visits, customers, products) and every row referencing them (snapshot rows, coupon issues),
  like TRUNCATE ... CASCADE. Regions, salespeople, users and categories are kept and reused.
"""

import datetime as dt
import re
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from sales.demo import writer
from sales.demo.calendar import add_months
from sales.demo.people import PASSWORD, SALESPEOPLE
from sales.demo.run import demo_seed


def _month(value: str) -> dt.date:
    if not re.fullmatch(r"\d{4}-\d{2}", value or ""):
        raise CommandError(f"--end: expected YYYY-MM, got {value!r}")
    year, month = int(value[:4]), int(value[5:])
    if not 1 <= month <= 12:
        raise CommandError(f"--end: month must be 01-12, got {value!r}")
    return dt.date(year, month, 1)


class Command(BaseCommand):
    help = (
        "Create a deterministic demo data set (same arguments, same data). Refuses with DEBUG off unless --force; "
        "--if-empty skips a non-empty database; --force on a non-empty database deletes customers, orders, "
        "lines, payments, visits, products and everything referencing them first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=2000, help="number of customers (default 2000)")
        parser.add_argument("--months", type=int, default=24, help="months of history (default 24)")
        parser.add_argument("--end", type=_month, default=None, help="last month, YYYY-MM (default: last month)")
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument("--force", action="store_true",
                            help="run with DEBUG off, and replace existing demo data (deletes it first)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when customers or orders exist")
        parser.add_argument("--realism", choices=["demo", "hazard"], default="demo",
                            help="hazard: churn from monthly hazard rates, baskets from a latent basket model "
                                 "(data the models were not written against; issue 21)")

    def handle(self, *args, **opts) -> None:
        if opts["customers"] < 1 or opts["months"] < 1 or opts["seed"] < 0:
            raise CommandError("--customers and --months must be >= 1, --seed >= 0")
        exists = writer.demo_data_exists()
        if opts["if_empty"] and exists:
            self.stdout.write("seed_demo: the database already has customers or orders; nothing to do (--if-empty)")
            return
        demo_settings = settings.DEBUG or getattr(settings, "DEMO_SEED_ALLOWED", False)
        if not demo_settings and not opts["force"]:
            raise CommandError("seed_demo refuses to run with DEBUG off; pass --force if this really is a demo")
        if exists and not opts["force"]:
            raise CommandError(
                "the database already has customers or orders; use --if-empty to keep them, or --force to "
                "DELETE customers, orders, payments, visits, products (and rows referencing them) and reseed"
            )
        # Business today is the Asia/Shanghai date; the default period ends with last month.
        end = opts["end"] or add_months(timezone.localdate().replace(day=1), -1)
        started = time.monotonic()
        # One transaction: a failed seed leaves the database as it was, wiped rows included.
        with transaction.atomic():
            if exists:
                writer.demo_wipe()
                self.stdout.write("seed_demo: deleted the existing customers, orders, payments, visits and products")
            summary = demo_seed(
                customers=opts["customers"], months=opts["months"], end_month=end, seed=opts["seed"],
                realism=opts["realism"],
                log=(lambda line: self.stdout.write("  " + line)) if opts["verbosity"] >= 2 else (lambda _: None),
            )
        # Measured after COMMIT: PostgreSQL checks the deferred foreign keys of every row there.
        summary.seconds = time.monotonic() - started
        if connection.vendor == "postgresql":
            # Fresh statistics, so the first snapshot or benchmark after a seed gets sane plans.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE " + ", ".join(m._meta.db_table for m in writer.DEMO_MODELS))
        self._report(summary)

    def _report(self, s) -> None:
        self.stdout.write(self.style.SUCCESS(
            f"seed_demo: {s.start:%Y-%m}..{s.end:%Y-%m}: {s.customers} customers, {s.orders} orders, "
            f"{s.lines} lines, {s.payments} payments, {s.visits} visits, {s.products} products "
            f"in {s.seconds:.1f} s"
        ))
        self.stdout.write(
            f"Demo logins (password: {PASSWORD}): admin (admin), manager (manager, all regions), "
            f"manager_south (manager, 广东 only), sales1..sales{len(SALESPEOPLE)} (salespeople)"
        )
