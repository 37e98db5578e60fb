"""compute_snapshots, export_snapshot and set_policy as an integrator runs them."""

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from analytics.export import EXPORT_COLUMNS
from analytics.models import GradingPolicy
from tests.factories import CustomerFactory, OrderFactory, RegionFactory, SalespersonFactory


@pytest.fixture
def two_customers(db):
    sp = SalespersonFactory(name="=HYPERLINK(\"http://x\")")
    region = RegionFactory(name="广东")
    # a is first seen in February: not covered at P-1, so its previous grade and movement are blank.
    a = CustomerFactory(code="0007", name="+cmd|' /C calc'!A0", owner=sp, region=region,
                        first_seen=dt.date(2025, 2, 1))
    b = CustomerFactory(code="0008", name="普通客户", owner=sp, region=region, first_seen=dt.date(2025, 1, 1))
    OrderFactory(customer=a, order_date=dt.date(2025, 2, 3), amount=Decimal("1234.50"), cost=Decimal("1000"))
    OrderFactory(customer=a, order_date=dt.date(2025, 2, 4), amount=Decimal("-34.50"), cost=Decimal("-30"))
    return a, b


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_export_csv_has_bom_exact_columns_and_neutralised_text(two_customers, tmp_path):
    assert "2025-02: 2 rows" in run("compute_snapshots", "--period", "2025-02")
    target = tmp_path / "snap.csv"
    assert run("export_snapshot", "--period", "2025-02", "--out", str(target)).strip() == (
        f"2 rows written to {target}"
    )
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == EXPORT_COLUMNS
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["customer_code"] == "0007"
    assert first["customer_name"] == "'+cmd|' /C calc'!A0"
    assert first["salesperson"] == "'=HYPERLINK(\"http://x\")"
    assert (first["grade"], first["grade_label"], first["previous_grade"], first["movement"]) == (
        "A", "核心客户", "", ""
    )
    assert (first["sales"], first["profit"], first["orders"]) == ("1200.00", "230.00", "1")
    assert (first["is_new"], first["sales_surge"], first["lifecycle"]) == ("true", "false", "active")
    assert first["mom_growth"] == ""  # January had no sales: blank, not infinity
    second = dict(zip(rows[0], rows[2], strict=True))
    assert (second["grade"], second["previous_grade"], second["movement"]) == ("D", "D", "same")
    assert (second["action"], second["last_order_date"]) == ("first_order_offer", "")


@pytest.mark.django_db
def test_export_xlsx_keeps_types_and_neutralises(two_customers, tmp_path):
    run("compute_snapshots", "--period", "2025-02")
    target = tmp_path / "snap.xlsx"
    run("export_snapshot", "--period", "2025-02", "--out", str(target))
    sheet = load_workbook(target).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == EXPORT_COLUMNS
    # Text cells as they are (a text cell never runs; no visible apostrophe), none of them a formula.
    assert values[1][0] == "0007" and values[1][1] == "+cmd|' /C calc'!A0"
    assert values[1][EXPORT_COLUMNS.index("salesperson")] == '=HYPERLINK("http://x")'
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert values[1][EXPORT_COLUMNS.index("sales")] == 1200.0
    assert sheet.freeze_panes == "A2" and sheet.cell(2, EXPORT_COLUMNS.index("sales") + 1).number_format == "#,##0.00"


@pytest.mark.django_db
def test_export_errors(tmp_path):
    with pytest.raises(CommandError, match="no snapshot for 2025-02"):
        run("export_snapshot", "--period", "2025-02", "--out", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="must end in .csv or .xlsx") as exc:
        run("export_snapshot", "--period", "2025-02", "--out", str(tmp_path / "x.txt"))
    assert exc.value.returncode == 2


@pytest.mark.django_db
def test_compute_range_and_usage_errors(two_customers):
    out = run("compute_snapshots", "--from", "2025-01", "--to", "2025-03")
    assert "[3/3] 2025-03: 2 rows" in out
    for bad in (["--period", "2025-13"], ["--from", "2025-03", "--to", "2025-01"], []):
        with pytest.raises(CommandError) as exc:
            run("compute_snapshots", *bad)
        assert exc.value.returncode == 2


@pytest.mark.django_db
def test_set_policy_versions_and_rejects_bad_files(tmp_path):
    good = tmp_path / "p.json"
    good.write_text(json.dumps({"method": "rank_percentile", "rank_percentile": {"a": 0.07, "b": 0.55, "c": 0.8}}))
    assert run("set_policy", str(good)).strip() == "policy version 1 active"
    assert run("set_policy", str(good)).strip() == "policy version 2 active"
    assert list(GradingPolicy.objects.filter(is_active=True).values_list("version", flat=True)) == [2]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"method": "weighted_score", "weighted_score": {"weights": {"sales": 0.5}}, "x": 1}))
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing saved"):
        call_command("set_policy", str(bad), stdout=io.StringIO(), stderr=err)
    assert f"{bad}: unknown key: x" in err.getvalue()
    assert GradingPolicy.objects.count() == 2


@pytest.mark.django_db
def test_compute_pulse_as_of_a_day(two_customers):
    from analytics.models import CustomerPulse

    assert run("compute_pulse", "--as-of", "2025-02-20").strip() == "pulse as of 2025-02-20: 2 customers"
    # 0007 last ordered 2025-02-03 (17 days before), and that was its first order: new in the last 30 days.
    pulses = {c: (lc, new) for c, lc, new in CustomerPulse.objects.values_list("customer__code", "lifecycle", "is_new")}
    assert pulses == {"0007": ("active", True), "0008": ("never", False)}
    with pytest.raises(CommandError) as exc:
        run("compute_pulse", "--as-of", "yesterday")
    assert exc.value.returncode == 2
