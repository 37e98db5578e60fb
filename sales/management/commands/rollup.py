"""rollup --check | --rebuild: the monthly rollup against the orders it sums (sales/rollup.py).

The triggers keep it right; this is for after something bypassed them (a restore of one table, a trigger
dropped by hand). --check exits 1 when they disagree, so a cron job or a health probe can alert on it.
"""

from django.core.management.base import BaseCommand, CommandParser

from sales.rollup import rollup_drift, rollup_rebuild


class Command(BaseCommand):
    help = "Check the monthly rollup against the orders (--check, exit 1 on drift) or rebuild it (--rebuild)."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--check", action="store_true", help="count the rows that disagree; exit 1 if any")
        group.add_argument("--rebuild", action="store_true", help="recompute the whole rollup from the orders")

    def handle(self, *args, **options) -> None:
        if options["rebuild"]:
            self.stdout.write(f"rebuilt the monthly rollup: {rollup_rebuild()} row(s)")
            return
        drift = rollup_drift()
        if drift:
            self.stderr.write(f"{drift} row(s) of the monthly rollup disagree with the orders: "
                              "run `manage.py rollup --rebuild`")
            raise SystemExit(1)
        self.stdout.write("the monthly rollup matches the orders")
