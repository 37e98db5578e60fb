"""churn_backtest on a ledger without recent orders says so once, with the latest order date and the --as-of to
use (issue 18), instead of a backtest of month-ends with 0 labelled rows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


def test_an_old_ledger_gets_the_latest_order_date_and_the_as_of_to_use():
    OrderFactory(customer=CustomerFactory(code="O1"), order_date=dt.date(2024, 6, 12), amount=Decimal("10.00"))
    with pytest.raises(CommandError) as raised:
        call_command("churn_backtest", "--as-of", "2025-03-31")
    assert str(raised.value) == (
        "the latest order is on 2024-06-12, 292 days before 2025-03-31: no customer ordered within 90 days, so "
        "there is no one to label or score. Use --as-of 2024-06-30 (the end of the latest order's month).")


def test_no_order_at_all_before_the_date():
    with pytest.raises(CommandError, match=r"^no order on or before 2025-03-31: import a ledger first"):
        call_command("churn_backtest", "--as-of", "2025-03-31")
