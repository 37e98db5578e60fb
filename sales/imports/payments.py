"""import_payments: payment_no, customer_code, date, amount (docs/analytics.md §2 receivables), upserted by payment_no.

A payment is strictly positive (refunds are returns, i.e. negative orders); the customer must exist (an old code
of a merged customer lands on the survivor). Periods touched are the months of created or changed payments.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sales.bulk import bulk_insert
from sales.models import Payment

from .columns import PAYMENT_COLUMNS, PAYMENT_REQUIRED, resolve_columns
from .parsing import CellError, EventDateParser, parse_amount
from .readers import Table
from .refs import Context, cell, customer_ids, month, text_parser, values_in


def parse_payment_amount(text: str) -> Decimal:
    """An amount > 0."""
    value = parse_amount(text)
    if value <= 0:
        raise CellError(f'must be greater than 0: "{text}"')
    return value


@dataclass
class PaymentsPlan:
    """payment_no -> (customer id, date, amount); which are new, which changed (-> stored id)."""

    rows: dict[str, tuple[int, Any, Decimal]] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    changed: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0
    periods: set[str] = field(default_factory=set)

    def counts(self) -> tuple[int, int, int]:
        return len(self.created), len(self.changed), self.unchanged


def payments_plan(*, table: Table, ctx: Context) -> PaymentsPlan | None:
    """Check every row and compare with the stored payments; None when the file is invalid."""
    cols = resolve_columns(table.header, PAYMENT_COLUMNS, PAYMENT_REQUIRED, ctx.errors)
    if ctx.errors:
        return None
    dates, no_text, code_text = EventDateParser(), text_parser(64), text_parser(32)
    parsed = []
    for n, row in zip(table.numbers, table.rows, strict=True):
        bad = len(ctx.errors)
        values = (
            cell(row, n, "payment_no", cols["payment_no"], no_text, None, ctx, required=True),
            cell(row, n, "customer_code", cols["customer_code"], code_text, None, ctx, required=True),
            cell(row, n, "date", cols["date"], dates, None, ctx, required=True),
            cell(row, n, "amount", cols["amount"], parse_payment_amount, None, ctx, required=True),
        )
        if len(ctx.errors) == bad:
            parsed.append((n, values))
    resolved, ids = customer_ids(v[1] for _, v in parsed)
    plan = PaymentsPlan()
    first_row: dict[str, int] = {}  # payment_no -> the row it was first seen on
    for n, (payment_no, code, date, amount) in parsed:
        if payment_no in first_row:
            problem = f'payment "{payment_no}" appears twice (first on row {first_row[payment_no]})'
            ctx.errors.add(n, "payment_no", problem, cols["payment_no"])
            continue
        first_row[payment_no] = n
        customer_id = ids.get(resolved[code])
        if customer_id is None:
            ctx.errors.add(n, "customer_code", f'unknown customer "{code}"', cols["customer_code"])
            continue
        plan.rows[payment_no] = (customer_id, date, amount)
    if ctx.errors:
        return None
    stored = {no: rest for no, *rest in values_in(Payment, "payment_no", plan.rows, "id", "customer_id", "date",
                                                  "amount")}  # fmt: skip
    for payment_no, (customer_id, date, amount) in plan.rows.items():
        old = stored.get(payment_no)
        if old is None:
            plan.created.append(payment_no)
        elif (old[1], old[2], old[3]) != (customer_id, date, amount):
            plan.changed[payment_no] = old[0]
            plan.periods.add(month(old[2]))
        else:
            plan.unchanged += 1
            continue
        plan.periods.add(month(date))
    return plan


def payments_write(*, plan: PaymentsPlan, batch: Any, ctx: Context) -> dict[str, int]:
    """COPY the new payments, bulk_update the changed ones."""
    fields = ("payment_no", "customer_id", "date", "amount", "import_batch_id")
    bulk_insert(Payment, fields, ((no, *plan.rows[no], batch.id) for no in plan.created))
    changed = [
        Payment(id=pk, payment_no=no, customer_id=plan.rows[no][0], date=plan.rows[no][1], amount=plan.rows[no][2],
                import_batch_id=batch.id)
        for no, pk in plan.changed.items()
    ]  # fmt: skip
    Payment.objects.bulk_update(changed, ["customer", "date", "amount", "import_batch"], batch_size=1000)
    return {}
