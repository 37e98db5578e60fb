"""churn_backtest [--as-of YYYY-MM-DD] [--horizon DAYS] [--save]: the churn model against strong baselines.

§3.7 of docs/analytics.md. Prints one line per out-of-time test month-end with the AUC and top-10% precision of the
model and of every baseline (days since last order, fewest orders, RFM, BG/NBD P(alive) and expected orders),
then one table: mean, 95% interval across the month-ends, min-max; then the model minus each baseline within each
month-end, and the model's calibration (predicted risk bands against the share that stopped). --save stores the
model (ChurnModel) as the monthly task does; pages use it only where it beats every baseline on both metrics.
"""

import dataclasses
import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Max

from analytics.churn.baselines import BASELINES
from analytics.churn.services import churn_config, churn_model_evaluate, churn_model_train
from analytics.models import ChurnModel
from analytics.periods import last_closed_period, month_end
from analytics.services.churn_fill import churn_model_periods, period_scored_count
from sales.models import Order


def _f(value: float | None) -> str:
    return "   -  " if value is None else f"{value:.4f}"


def _spread(s: dict[str, Any]) -> str:
    """'0.8123 [0.8011, 0.8235] (0.7990-0.8301)': mean, 95% t-interval across folds, min-max."""
    if s.get("mean") is None:
        return "-"
    ci = "[  -   ,   -   ]" if s.get("low") is None else f"[{s['low']:.4f}, {s['high']:.4f}]"
    return f"{s['mean']:.4f} {ci} ({s['min']:.4f}-{s['max']:.4f})"


class Command(BaseCommand):
    help = "Backtest the churn-risk model against strong baselines (AUC, top-10% precision); --save stores it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: end of the last closed month)")
        parser.add_argument("--horizon", type=int, help="days without an order that count as churn (default 90)")
        parser.add_argument("--save", action="store_true", help="store the trained model and its metrics")
        parser.add_argument("--if-missing", action="store_true",
                            help="with --save: do nothing when a model as of that date exists (make run)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else month_end(last_closed_period())
        except ValueError as exc:
            raise CommandError(f"--as-of: expected YYYY-MM-DD, got {options['as_of']!r}", returncode=2) from exc
        config = churn_config()
        if options["horizon"]:
            if options["horizon"] < 1:
                raise CommandError("--horizon must be at least 1 day", returncode=2)
            config = dataclasses.replace(config, horizon_days=options["horizon"])
        self.check_recent_orders(as_of, config.population_days)
        if options["save"] and options["if_missing"] and ChurnModel.objects.filter(as_of=as_of).exists():
            self.stdout.write(f"a churn model as of {as_of} exists; nothing to do")
            return
        if options["save"]:
            model = churn_model_train(as_of=as_of, config=config)
            metrics = model.metrics
        else:
            metrics, _blob = churn_model_evaluate(as_of=as_of, config=config)
        self.report(as_of, metrics)
        if options["save"]:
            self.stdout.write(f"saved churn model {model.id} (used: {'yes' if model.beats_baseline else 'no'})")
            # Training rescored the computed periods this model is now in force for (churn_model_train).
            periods = churn_model_periods(model)
            for period in periods:
                self.stdout.write(f"churn risk written for {period_scored_count(period)} customers of {period:%Y-%m}")
            if not periods:
                self.stdout.write("no computed period to rescore")

    def check_recent_orders(self, as_of: dt.date, population_days: int) -> None:
        """A ledger that ends long before --as-of has no one to label or score: say so once, with the date to use,
        instead of a backtest of empty month-ends."""
        latest = (Order.objects.filter(order_date__lte=as_of).exclude(status=Order.Status.CANCELLED)
                  .aggregate(latest=Max("order_date"))["latest"])
        if latest is None:
            raise CommandError(f"no order on or before {as_of}: import a ledger first, or pass an --as-of inside it")
        if (as_of - latest).days > population_days:
            raise CommandError(
                f"the latest order is on {latest}, {(as_of - latest).days} days before {as_of}: no customer ordered "
                f"within {population_days} days, so there is no one to label or score. "
                f"Use --as-of {month_end(latest.replace(day=1))} (the end of the latest order's month).")

    def report_paired(self, paired: dict[str, Any]) -> None:
        """Model minus each baseline within each fold: the folds differ far more from each other than the
        rankings do within one, so this interval says more about "does it win" than the overlap of the above."""
        if not paired:
            return
        w = self.stdout.write
        w("")
        w(f"{'model minus':<17}{'AUC mean [95% CI], folds won':<42}{'top-10% precision mean [95% CI], folds won':<44}")
        for name, metrics in paired.items():
            cells = []
            for metric in ("auc", "top_precision"):
                s = metrics[metric]
                if s.get("mean") is None:
                    cells.append("-")
                    continue
                ci = "[  -    ,   -    ]" if s.get("low") is None else f"[{s['low']:+.4f}, {s['high']:+.4f}]"
                cells.append(f"{s['mean']:+.4f} {ci} {s['won']}/{s['folds']}")
            w(f"{name:<17}{cells[0]:<42}{cells[1]:<44}")

    def report_calibration(self, calibration: dict[str, Any]) -> None:
        """The model's risks against what happened, every test month-end pooled: "35%" should mean about 35 in 100."""
        bands = calibration.get("bands") or []
        if not bands:
            return
        w = self.stdout.write
        w("")
        w("calibration of the model, test month-ends pooled:")
        w(f"{'predicted risk':<16}{'customers':>10}{'mean predicted':>16}  {'share that stopped [95% CI]':<30}")
        for b in bands:
            band = f"{b['low']:.0%}-{b['high']:.0%}"
            stopped = f"{b['observed']:.1%} [{b['observed_low']:.1%}, {b['observed_high']:.1%}]"
            w(f"{band:<16}{b['rows']:>10}{b['predicted']:>16.1%}  {stopped:<30}")
        brier, base = calibration.get("brier") or {}, calibration.get("base_brier") or {}
        if brier.get("mean") is not None and base.get("mean") is not None:
            w(f"Brier score (lower is better) mean [95% CI]: model {_spread(brier)}; "
              f"the training churn share for everyone {_spread(base)}")

    def report(self, as_of: dt.date, metrics: dict[str, Any]) -> None:
        w = self.stdout.write
        w(f"churn backtest as of {as_of}: horizon {metrics['horizon_days']} days, scored customers: last order "
          f"within {metrics['population_days']} days")
        bt = metrics.get("backtest") or {}
        names = ["model", *BASELINES]
        w(f"{'test month-end':<15}{'train T':>8}{'train rows':>11}{'test rows':>10}{'churn':>7}  "
          + "  ".join(f"{n[:15]:>15}" for n in names) + "   (AUC / top-10% precision)")
        for p in bt.get("periods", []):
            share = "-" if p.get("test_churn_share") is None else f"{p['test_churn_share']:.1%}"
            line = (f"{p['test_as_of']:<15}{p['train_periods']:>8}{p['train_rows']:>11}{p['test_rows']:>10}"
                    f"{share:>7}  ")
            if "model" in p:
                cells = [p["model"], *(p["baselines"][n] for n in BASELINES)]
                line += "  ".join(f"{_f(c['auc'])}/{_f(c['top_precision'])}" for c in cells)
            else:
                line += f"skipped: {p.get('skipped', '')}"
            w(line)
        table = bt.get("table") or {}
        if table:
            w("")
            w(f"{'ranking':<17}{'AUC mean [95% CI] (min-max)':<42}{'top-10% precision mean [95% CI] (min-max)':<44}")
            for name in names:
                w(f"{name:<17}{_spread(table[name]['auc']):<42}{_spread(table[name]['top_precision']):<44}")
            w(f"folds: {table['model']['auc']['folds']}; best baseline (AUC): {bt.get('best_baseline', '')}")
            self.report_paired(bt.get("paired") or {})
            self.report_calibration(bt.get("calibration") or {})
        w(f"final model: {metrics.get('train_rows', 0)} rows over {metrics.get('train_periods', 0)} month-ends")
        verdict = "beats every baseline: used on pages" if metrics["beats_baseline"] else "is not used on pages"
        w(f"the model {verdict}" + (f" ({metrics['reason']})" if metrics.get("reason") else ""))
