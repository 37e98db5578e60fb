"""manage.py bench_import [--lines N] [--xlsx-lines M]: import_sales in lines per second (BENCHMARKS.md: >= 20,000).

Generates a realistic ledger (about 3 lines per order, a few thousand customers, returns and cancellations),
imports it into the current database, then imports it again (everything unchanged) and prints both rates.
An XLSX figure for a smaller file is reported only. Order numbers carry a per-run prefix so runs never collide.
"""

import csv
import datetime as dt
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sales.imports import import_file

HEADER = ["order_no", "order_date", "customer_code", "customer_name", "amount", "quantity", "unit_price", "cost",
          "region", "salesperson", "sku", "product_name", "category", "status"]  # fmt: skip


def ledger_rows(lines: int, *, prefix: str, seed: int = 7) -> list[list[str]]:
    """`lines` order lines in about lines/3 orders over 24 months; 3% returns, 2% cancelled orders."""
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    customers = max(50, lines // 40)
    start = dt.date(2024, 1, 1)
    regions = [f"省{p}/市{c}" for p in range(6) for c in range(5)]
    rows: list[list[str]] = []
    order = 0
    while len(rows) < lines:
        order += 1
        cust = rng.randrange(customers)
        date = (start + dt.timedelta(days=rng.randrange(730))).isoformat()
        sign = -1 if rng.random() < 0.03 else 1
        status = "cancelled" if rng.random() < 0.02 else "confirmed"
        for _ in range(min(rng.randint(1, 5), lines - len(rows))):
            sku = rng.randrange(300)
            qty = rng.randint(1, 20) * sign
            price = rng.randrange(100, 20000) / 100
            amount = round(qty * price, 2)
            rows.append([f"{prefix}{order:08d}", date, f"B{cust:06d}", f"客户{cust}", f"{amount:.2f}", str(qty),
                         f"{price:.2f}", f"{abs(amount) * 0.7:.2f}", regions[cust % len(regions)],
                         f"业务员{cust % 25}", f"P{sku:05d}", f"商品{sku}", f"类别{sku % 8}/子类{sku % 3}",
                         status])  # fmt: skip
    return rows


class Command(BaseCommand):
    help = "Benchmark import_sales: generate N lines, import them into this database, print lines/second."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--lines", type=int, default=200_000, help="CSV lines to import (default 200,000)")
        parser.add_argument("--xlsx-lines", type=int, default=20_000, help="XLSX lines (0 to skip; reported only)")

    def handle(self, *args: Any, **options: Any) -> None:
        prefix = "BN" + timezone.now().strftime("%y%m%d%H%M%S")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.csv"
            rows = ledger_rows(options["lines"], prefix=prefix + "C")
            with path.open("w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(HEADER)
                writer.writerows(rows)
            self._run("CSV", path, len(rows))
            self._run("CSV again (all unchanged)", path, len(rows))
            if options["xlsx_lines"]:
                xlsx = Path(tmp) / "bench.xlsx"
                self._write_xlsx(xlsx, ledger_rows(options["xlsx_lines"], prefix=prefix + "X", seed=8))
                self._run("XLSX", xlsx, options["xlsx_lines"])

    def _run(self, label: str, path: Path, lines: int) -> None:
        started, cpu = time.perf_counter(), time.process_time()
        report = import_file(kind="sales", path=path, name=path.name)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        if report.status != "done":
            raise CommandError(f"{label}: import {report.status}: {report.error_lines()[:5]} {report.failure}")
        self.stdout.write(
            f"{label}: {lines} lines in {seconds:.2f} s = {lines / seconds:,.0f} lines/s "
            f"({report.created} created, {report.updated} updated, {report.unchanged} unchanged orders; "
            f"{cpu:.2f} s CPU in this process, the rest is the database or other load)"
        )

    @staticmethod
    def _write_xlsx(path: Path, rows: list[list[str]]) -> None:
        import openpyxl

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
        workbook.save(path)
