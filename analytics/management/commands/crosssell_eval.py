"""crosssell_eval [--as-of YYYY-MM-DD] [--level product|category|both] [--windows 30,60,90,180] [--save].

§3.8 of docs/analytics.md. Prints, per level and protocol ("next" at each hold-out window: new items bought in the
last N days, learnt from before; "leave_one_out": one hidden item), hit rate, recall and MAP at 10 of
similar-customer suggestions (the profile's), item-item suggestions, and the two baselines: popularity and
popularity in the customer's region and shop type. --save stores the result per level; the profile then shows
a level's suggestions only where similar customers beat both baselines on hit@10 in every protocol.
"""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from analytics.crosssell.data import LEVELS, purchases, segments
from analytics.crosssell.evaluate import SCORERS, holdout_leave_one_out, holdout_next
from analytics.crosssell.selectors import WINDOW_DAYS
from analytics.models import CrossSellEval

WINDOWS = (30, 60, 90, 180)


def _windows(value: str) -> tuple[int, ...]:
    try:
        days = tuple(int(v) for v in value.split(",") if v.strip())
    except ValueError as exc:
        raise CommandError(f"--windows: expected days like 30,60,90, got {value!r}", returncode=2) from exc
    if not days or min(days) < 1:
        raise CommandError("--windows: every window must be at least 1 day", returncode=2)
    return days


class Command(BaseCommand):
    help = "Hold-out evaluation of cross-sell against popularity and segment popularity (hit, recall, MAP at 10)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--level", choices=[*LEVELS, "both"], default="both")
        parser.add_argument("--windows", default=",".join(map(str, WINDOWS)),
                            help="the 'next' protocol's hold-out windows in days (default 30,60,90,180)")
        parser.add_argument("--holdout-days", type=int, help="one 'next' window only (older spelling of --windows)")
        parser.add_argument("--max-test", type=int, default=2000, help="test customers per protocol (sampled)")
        parser.add_argument("--save", action="store_true", help="store the result: the profile reads its verdict")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--as-of: expected YYYY-MM-DD, got {options['as_of']!r}", returncode=2) from exc
        if options["holdout_days"] is not None and options["holdout_days"] < 1:
            raise CommandError("--holdout-days must be at least 1", returncode=2)
        windows = (options["holdout_days"],) if options["holdout_days"] else _windows(options["windows"])
        levels = LEVELS if options["level"] == "both" else (options["level"],)
        segment_of = segments()
        w = self.stdout.write
        w(f"cross-sell hold-out as of {as_of} (purchases of the last {WINDOW_DAYS} days), at 10: hit / recall / MAP")
        w(f"{'level':<10}{'protocol':<15}{'tested':>7}  " + "".join(f"{s:>24}" for s in SCORERS) + "  verdict")
        for level in levels:
            frame = purchases(as_of=as_of, level=level, since=as_of - dt.timedelta(days=WINDOW_DAYS))
            results: dict[str, dict[str, Any]] = {}
            for days in windows:
                results[f"next_{days}d"] = holdout_next(frame, as_of - dt.timedelta(days=days),
                                                        max_test=options["max_test"], segment_of=segment_of)
            results["leave_one_out"] = holdout_leave_one_out(frame, max_test=options["max_test"],
                                                             segment_of=segment_of)
            for protocol, r in results.items():
                if not r["test_customers"]:
                    w(f"{level:<10}{protocol:<15}  skipped: {r['reason']}")
                    continue
                cells = "".join(f"{r[s]['hit_rate']:>8.4f}{r[s]['recall']:>8.4f}{r[s]['map']:>8.4f}" for s in SCORERS)
                verdict = "beats both baselines" if r["beats_baselines"] else "does not beat both baselines"
                w(f"{level:<10}{protocol:<15}{r['test_customers']:>7}  {cells}  {verdict}")
            tested = [r for r in results.values() if r["test_customers"]]
            wins = bool(tested) and all(r["beats_baselines"] for r in tested)
            w(f"{level}: similar customers {'win' if wins else 'do not win'} on every protocol"
              f"{' (shown on the profile)' if wins else ' (not shown on the profile once saved)'}")
            if options["save"]:
                CrossSellEval.objects.create(as_of=as_of, level=level, metrics=results, wins=wins)
