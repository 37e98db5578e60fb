"""Helpers for the import tests: small CSV / XLSX files and management commands run as the shell sees them."""

import csv
import io
from pathlib import Path

import openpyxl
from django.core.management import call_command
from django.core.management.base import CommandError

SALES_HEADER = ["order_no", "order_date", "customer_code", "customer_name", "amount", "quantity", "unit_price",
                "cost", "region", "salesperson", "phone", "sku", "product_name", "category", "status"]


def write_csv(path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def command(name: str, *args: str) -> tuple[int, str, str]:
    """Run a management command; returns (exit code, stdout, stderr) as the shell would see them."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()
