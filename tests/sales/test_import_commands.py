"""The import_* commands (docs/imports.md §5): exit 0 / 1 / 2, problems on stderr as FILE:ROW: field: problem,
progress."""

import io

import pytest

from sales.imports.service import import_file
from sales.management.commands._import_base import ProgressPrinter
from sales.models import ImportBatch, Order, Payment
from tests.sales.helpers import SALES_HEADER, command, write_csv

pytestmark = pytest.mark.django_db

ROW = ["SO1", "2025-01-05", "00123", "店", "100", "2", "50", "60", "", "", "", "", "", "", ""]


def test_success_exit_0(tmp_path):
    path = write_csv(tmp_path / "sales.csv", SALES_HEADER, [ROW])
    code, out, _err = command("import_sales", str(path))
    assert code == 0
    assert out.strip() == f"{path}: 1 rows, 1 created, 0 updated, 0 unchanged (1 customers created); periods 2025-01"
    assert Order.objects.count() == 1
    code, out, _err = command("import_sales", str(path), "--name", "sales.csv")
    assert (code, out.strip()) == (0, "sales.csv: 1 rows, 0 created, 0 updated, 1 unchanged")


def test_dry_run_flag(tmp_path):
    path = write_csv(tmp_path / "sales.csv", SALES_HEADER, [ROW])
    code, out, _err = command("import_sales", str(path), "--dry-run", "--name", "sales.csv")
    assert code == 0 and out.startswith("dry run, nothing written: sales.csv: 1 rows, 1 created")
    assert not Order.objects.exists() and ImportBatch.objects.get().dry_run


def test_invalid_input_exit_1_with_messages(tmp_path):
    path = write_csv(tmp_path / "sales.csv", SALES_HEADER, [ROW, ["SO2", "2025-01-32", *ROW[2:]]])
    code, _out, err = command("import_sales", str(path), "--name", "sales.csv")
    assert code == 1
    assert err.splitlines()[0] == 'sales.csv:3: order_date: not a date: "2025-01-32" (use YYYY-MM-DD, YYYY/MM/DD or ' \
                                  'YYYYMMDD)'
    assert "1 problem(s) in sales.csv: nothing imported" in err
    assert not Order.objects.exists()


def test_cap_on_command_line(tmp_path):
    rows = [[f"SO{i}", "x", *ROW[2:]] for i in range(120)]
    code, _out, err = command("import_sales", str(write_csv(tmp_path / "s.csv", SALES_HEADER, rows)), "--name", "s.csv")
    lines = err.splitlines()
    assert code == 1 and lines[100] == "... and 20 more" and lines[99].startswith("s.csv:101: order_date:")


def test_usage_errors_exit_2(tmp_path):
    assert command("import_sales", str(tmp_path / "missing.csv"))[0] == 2
    assert command("import_payments", str(tmp_path / "missing.csv"))[0] == 2
    path = write_csv(tmp_path / "sales.csv", SALES_HEADER, [ROW])
    code, _out, err = command("import_sales", str(path), "--bogus")
    assert code == 2 and "unrecognized arguments: --bogus" in err
    assert command("import_visits")[0] == 2  # no path
    assert command("import_sales", str(path), "--user", "nobody")[0] == 2


def test_user_recorded(tmp_path, admin_user):
    path = write_csv(tmp_path / "sales.csv", SALES_HEADER, [ROW])
    assert command("import_sales", str(path), "--user", "boss")[0] == 0
    assert ImportBatch.objects.get().user == admin_user


def test_other_commands(tmp_path, book):
    path = write_csv(tmp_path / "p.csv", ["payment_no", "customer_code", "date", "amount"],
                     [["P1", "00101", "2025-01-01", "10"]])
    assert command("import_payments", str(path))[0] == 0 and Payment.objects.count() == 1
    path = write_csv(tmp_path / "c.csv", ["code", "name"], [["00999", "新"]])
    assert command("import_customers", str(path))[0] == 0
    path = write_csv(tmp_path / "v.csv", ["customer_code", "date"], [["00999", "2025-01-01"]])
    assert command("import_visits", str(path))[0] == 0


def test_progress_callback_and_printer(tmp_path):
    rows = [[f"SO{i}", "2025-01-05", f"C{i % 50}", "", "1", "1", "1", "0", "", "", "", "", "", "", ""]
            for i in range(6000)]
    path = write_csv(tmp_path / "big.csv", SALES_HEADER, rows)
    calls = []
    import_file(kind="sales", path=path, progress=lambda *args: calls.append(args))
    stages = [c[0] for c in calls]
    assert stages[0] == "validating" and stages[-1] == "writing"
    assert ("validating", 6000, 6000) in calls and ("writing", 6000, 6000) in calls
    stream = io.StringIO()
    printer = ProgressPrinter(stream, force=True)
    printer("validating", 3000, 6000)
    printer("writing", 6000, 6000)
    printer("writing", 10, 100)  # small files stay quiet
    printer.close()
    assert stream.getvalue() == "\rvalidating 50% (3000/6000)\n\rwriting 100% (6000/6000)\n"
    fresh = write_csv(tmp_path / "fresh.csv", SALES_HEADER, [["N" + r[0], *r[1:]] for r in rows])
    code, _out, err = command("import_sales", str(fresh), "--progress")
    assert code == 0 and "\rvalidating 100% (6000/6000)\n\rwriting 0% (0/6000)" in err
    assert err.endswith("\rwriting 100% (6000/6000)\n")
    code, _out, err = command("import_sales", str(fresh))  # not a tty and no --progress: quiet
    assert (code, err) == (0, "")
