"""compute_snapshots --period YYYY-MM | --from YYYY-MM --to YYYY-MM [--policy N] | --missing (docs/interfaces.md §2)."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics.partitions import SwapWaitTimeout
from analytics.periods import fmt, month_range, parse_period
from analytics.services.churn_fill import period_scored_count
from analytics.services.snapshots import SnapshotBusy, snapshot_compute
from analytics.services.stale import periods_missing


class Command(BaseCommand):
    help = "Compute monthly snapshots (grades, lifecycle, surge/plunge, RFM, actions) for one or more periods."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", help="one month, YYYY-MM")
        parser.add_argument("--from", dest="first", help="first month, YYYY-MM")
        parser.add_argument("--to", dest="last", help="last month, YYYY-MM")
        parser.add_argument("--policy", type=int, help="policy version (default: the active one)")
        parser.add_argument("--missing", action="store_true",
                            help="every closed month with orders that has no snapshot yet (used by make run)")
        parser.add_argument("--reason", default="", help="why a period is recomputed (kept with a restatement)")

    def periods(self, options: dict) -> list:
        try:
            if options["missing"]:
                return periods_missing()
            if options["period"]:
                return [parse_period(options["period"])]
            if options["first"] and options["last"]:
                first, last = parse_period(options["first"]), parse_period(options["last"])
                if last < first:
                    raise CommandError("--to is before --from", returncode=2)
                return month_range(first, last)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        raise CommandError("give --period YYYY-MM, or --from and --to, or --missing", returncode=2)

    def handle(self, *args, **options) -> None:
        periods = self.periods(options)
        if not periods:
            self.stdout.write("nothing to compute")
            return
        total = time.perf_counter()
        for i, period in enumerate(periods, 1):
            started = time.perf_counter()
            try:
                run = snapshot_compute(period=period, policy_version=options["policy"], reason=options["reason"])
            except (SnapshotBusy, SwapWaitTimeout) as exc:
                raise CommandError(str(exc)) from exc
            scored = period_scored_count(period)  # scored by snapshot_compute with the model in force
            restated = " (restated)" if run.restated else ""
            self.stdout.write(f"[{i}/{len(periods)}] {fmt(period)}: {run.rows} rows in "
                              f"{time.perf_counter() - started:.2f} s{restated}; churn risk for {scored}")
            sys.stdout.flush()
        self.stdout.write(f"{len(periods)} period(s) in {time.perf_counter() - total:.1f} s "
                          f"({fmt(periods[0])} .. {fmt(periods[-1])})")
