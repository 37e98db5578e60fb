"""crosssell_eval [--as-of YYYY-MM-DD] [--level product|category|both] [--holdout-days N]: hit rate at 10.

docs/analytics.md §3.8. Prints, per level and protocol ("next": new items bought after a cut-off; "leave_one_out": one
hidden item), the hit rate and recall at 10 of similar-customer suggestions and of the popularity baseline.
"""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from analytics.crosssell.data import LEVELS, purchases
from analytics.crosssell.evaluate import holdout_leave_one_out, holdout_next
from analytics.crosssell.selectors import WINDOW_DAYS


class Command(BaseCommand):
    help = "Hold-out evaluation of cross-sell suggestions against popularity (hit rate at 10)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--level", choices=[*LEVELS, "both"], default="both")
        parser.add_argument("--holdout-days", type=int, default=90, help="the 'next' protocol's test window")
        parser.add_argument("--max-test", type=int, default=2000, help="test customers per protocol (sampled)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--as-of: expected YYYY-MM-DD, got {options['as_of']!r}", returncode=2) from exc
        if options["holdout_days"] < 1:
            raise CommandError("--holdout-days must be at least 1", returncode=2)
        levels = LEVELS if options["level"] == "both" else (options["level"],)
        w = self.stdout.write
        w(f"cross-sell hold-out as of {as_of} (purchases of the last {WINDOW_DAYS} days), hit rate at 10")
        w(f"{'level':<10}{'protocol':<15}{'customers':>10}{'items':>7}{'tested':>8}"
          f"{'similar hit':>13}{'popular hit':>13}{'similar rec':>13}{'popular rec':>13}  verdict")
        for level in levels:
            frame = purchases(as_of=as_of, level=level, since=as_of - dt.timedelta(days=WINDOW_DAYS))
            cutoff = as_of - dt.timedelta(days=options["holdout_days"])
            results = {
                "next": holdout_next(frame, cutoff, max_test=options["max_test"]),
                "leave_one_out": holdout_leave_one_out(frame, max_test=options["max_test"]),
            }
            for protocol, r in results.items():
                if not r["test_customers"]:
                    w(f"{level:<10}{protocol:<15}  skipped: {r['reason']}")
                    continue
                s, p = r["similar"], r["popular"]
                verdict = "beats popularity" if r["beats_popularity"] else "does not beat popularity"
                w(f"{level:<10}{protocol:<15}{r['customers']:>10}{r['items']:>7}{r['test_customers']:>8}"
                  f"{s['hit_rate']:>13.4f}{p['hit_rate']:>13.4f}{s['recall']:>13.4f}{p['recall']:>13.4f}  {verdict}")
