"""import_sales: a flat ledger, one row per order line (docs/imports.md §4.1), validated whole before any write.

Rules: several rows with one order_no are the lines of one order, which must agree on customer, date, status
(and salesperson / coupon where given); a line's quantity and amount never differ in sign; cost takes the
amount's sign. The plan compares each order's content hash with the stored one: equal -> unchanged,
different -> replaced (updated), absent -> created.
"""

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from customers.models import Customer
from sales.models import Order, Product

from .columns import SALES_COLUMNS, SALES_REQUIRED, resolve_columns
from .parsing import (
    CONFIRMED,
    EventDateParser,
    parse_amount,
    parse_mobile,
    parse_quantity,
    parse_status,
    parse_unit_price,
)
from .readers import Table
from .refs import Context, customer_ids, parse_column, text_parser, values_in

ZERO = Decimal("0.00")
# Text columns and the CharField each one lands in.
LIMITS = {
    "order_no": 64, "customer_code": 32, "customer_name": 128, "region": 255, "salesperson": 64,
    "sku": 64, "product_name": 128, "category": 255, "coupon_code": 32,
}  # fmt: skip
TEXT_FIELDS = ("customer_name", "region", "salesperson", "sku", "product_name", "category", "coupon_code")
HASH_VERSION = "v1"


@dataclass(slots=True)
class OrderDraft:
    """An order as the file gives it; `lines` are (sku, quantity, unit_price, amount, cost)."""

    order_no: str
    row: int
    customer_code: str
    order_date: dt.date
    status: str
    salesperson: str
    coupon_code: str
    lines: list[tuple[str, Decimal, Decimal | None, Decimal, Decimal]] = field(default_factory=list)

    def content_hash(self, customer_code: str) -> str:
        """Order.content_hash: everything that would be stored, in a canonical text form."""
        parts = [HASH_VERSION, customer_code, self.order_date.isoformat(), self.status, self.salesperson,
                 self.coupon_code]  # fmt: skip
        parts.extend(f"{s}\x1f{q}\x1f{'' if p is None else p}\x1f{a}\x1f{c}" for s, q, p, a, c in self.lines)
        return hashlib.sha256("\x1e".join(parts).encode("utf-8")).hexdigest()


@dataclass
class SalesPlan:
    """What the write will do; counts are known before anything is written (so a dry run can report them)."""

    rows: int = 0
    orders: dict[str, OrderDraft] = field(default_factory=dict)
    customers: dict[str, dict[str, str]] = field(default_factory=dict)  # code as written -> name/region/phone
    products: dict[str, tuple[str, str]] = field(default_factory=dict)  # sku -> (name, category)
    resolved: dict[str, str] = field(default_factory=dict)  # code as written -> customer code
    customer_ids: dict[str, int] = field(default_factory=dict)
    new_customers: dict[str, tuple[dt.date, str]] = field(default_factory=dict)  # code -> (first seen, owner)
    first_seen_lowered: dict[int, dt.date] = field(default_factory=dict)
    product_ids: dict[str, int] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    to_create: list[str] = field(default_factory=list)
    to_replace: dict[str, int] = field(default_factory=dict)  # order_no -> stored id
    unchanged: int = 0
    periods: set[str] = field(default_factory=set)

    def counts(self) -> tuple[int, int, int]:
        """(created, updated, unchanged) orders."""
        return len(self.to_create), len(self.to_replace), self.unchanged


def sales_plan(*, table: Table, ctx: Context) -> SalesPlan | None:
    """Parse and check every row (docs/imports.md §3, §4.1), then compare with the database; None if invalid."""
    cols = resolve_columns(table.header, SALES_COLUMNS, SALES_REQUIRED, ctx.errors)
    if ctx.errors:
        return None
    plan = SalesPlan(rows=len(table))
    _parse_rows(table, cols, ctx, plan)
    if ctx.errors:
        return None
    _resolve(plan)
    return plan


def _parse_rows(table: Table, cols: dict[str, int], ctx: Context, plan: SalesPlan) -> None:
    """Check every cell column by column (each distinct value parsed once), then group valid lines into orders."""
    col = {name: cols.get(name) for name in SALES_COLUMNS}
    total = len(table)
    bad_rows: set[int] = set()
    parsers: list[tuple[str, Callable[[str], Any], Any]] = [
        ("order_no", text_parser(LIMITS["order_no"]), None),
        ("customer_code", text_parser(LIMITS["customer_code"]), None),
        ("order_date", EventDateParser(), None), ("amount", parse_amount, None),
        ("quantity", parse_quantity, Decimal("0.000")), ("unit_price", parse_unit_price, None),
        ("cost", parse_amount, ZERO), ("status", parse_status, CONFIRMED), ("phone", parse_mobile, ""),
        *((name, text_parser(LIMITS[name]), "") for name in TEXT_FIELDS),
    ]  # fmt: skip
    values = {}
    for done, (name, parse, default) in enumerate(parsers, start=1):
        values[name] = parse_column(table, name, col[name], parse, default, ctx, bad_rows, name in SALES_REQUIRED)
        ctx.progress("validating", total * done // len(parsers), total)
    for position, (quantity, amount) in enumerate(zip(values["quantity"], values["amount"], strict=True)):
        if amount is not None and quantity is not None and (quantity < 0 < amount or amount < 0 < quantity):
            problem = f"quantity {quantity.normalize():f} and amount {amount} have different signs"
            ctx.errors.add(table.numbers[position], "quantity", problem, col["quantity"] or 0)
            bad_rows.add(position)
    if bad_rows:
        return  # the file is invalid: grouping would only add noise about rows already reported
    _group(plan, ctx, cols, table.numbers, values)


def _group(plan: SalesPlan, ctx: Context, cols: dict[str, int], numbers: list[int], v: dict[str, list]) -> None:
    """Group lines into orders (reporting lines that disagree with their order); note customers and products."""
    orders, customers, products = plan.orders, plan.customers, plan.products
    rows = zip(numbers, v["order_no"], v["customer_code"], v["order_date"], v["status"], v["salesperson"],
               v["coupon_code"], v["sku"], v["quantity"], v["unit_price"], v["amount"], v["cost"],
               strict=True)  # fmt: skip
    for n, order_no, code, order_date, status, sp, coupon, sku, quantity, price, amount, cost in rows:
        # A return's cost is negative like its amount, whichever sign the ERP wrote it with.
        cost = -abs(cost) if amount < 0 else abs(cost) if amount > 0 else cost
        draft = orders.get(order_no)
        if draft is None:
            draft = orders[order_no] = OrderDraft(order_no, n, code, order_date, status, sp, coupon)
        elif (draft.customer_code, draft.order_date, draft.status, draft.salesperson, draft.coupon_code) != (
            code, order_date, status, sp, coupon
        ):
            _check_same_order(draft, n, code, order_date, status, sp, coupon, cols, ctx)
        draft.lines.append((sku, quantity, price, amount, cost))
    # Customer and product details: the first non-empty value in the file wins.
    for code, name, region, phone in zip(v["customer_code"], v["customer_name"], v["region"], v["phone"], strict=True):
        info = customers.get(code)
        if info is None:
            customers[code] = {"customer_name": name, "region": region, "phone": phone}
        elif not (info["customer_name"] and info["region"] and info["phone"]):
            for key, value in (("customer_name", name), ("region", region), ("phone", phone)):
                info[key] = info[key] or value
    for sku, name, category in zip(v["sku"], v["product_name"], v["category"], strict=True):
        if sku:
            old_name, old_category = products.get(sku, ("", ""))
            if not (old_name and old_category):
                products[sku] = (old_name or name, old_category or category)


def _check_same_order(draft: OrderDraft, n: int, code: str, order_date: dt.date, status: str, sp: str,
                      coupon: str, cols: dict[str, int], ctx: Context) -> None:  # fmt: skip
    """The lines of one order share its customer, date and status; salesperson and coupon may be left blank."""
    pairs = [("customer_code", draft.customer_code, code), ("order_date", draft.order_date, order_date),
             ("status", draft.status, status)]  # fmt: skip
    if sp and draft.salesperson:
        pairs.append(("salesperson", draft.salesperson, sp))
    if coupon and draft.coupon_code:
        pairs.append(("coupon_code", draft.coupon_code, coupon))
    for name, first, value in pairs:
        if first != value:
            shown = first.isoformat() if isinstance(first, dt.date) else first
            problem = f'order {draft.order_no} already has {name} "{shown}" (row {draft.row})'
            ctx.errors.add(n, name, problem, cols.get(name, 0))
    draft.salesperson = draft.salesperson or sp
    draft.coupon_code = draft.coupon_code or coupon


def _resolve(plan: SalesPlan) -> None:
    """Compare with the database (a few queries per table, none per row) and decide what each order becomes."""
    plan.resolved, plan.customer_ids = customer_ids(plan.customers)
    earliest: dict[str, tuple[dt.date, int]] = {}
    owner: dict[str, tuple[dt.date, int, str]] = {}
    for draft in plan.orders.values():  # any status: a cancelled first order still shows when they appeared
        code = plan.resolved[draft.customer_code]
        key = (draft.order_date, draft.row)
        if code not in earliest or key < earliest[code]:
            earliest[code] = key
        if draft.salesperson and (code not in owner or key < owner[code][:2]):
            owner[code] = (*key, draft.salesperson)
    stored_first_seen = dict(values_in(Customer, "code", plan.customer_ids, "first_seen"))
    for code, (first, _row) in earliest.items():
        if code not in plan.customer_ids:
            plan.new_customers[code] = (first, owner[code][2] if code in owner else "")
        elif stored_first_seen[code] is None or first < stored_first_seen[code]:
            plan.first_seen_lowered[plan.customer_ids[code]] = first
    plan.product_ids = dict(values_in(Product, "sku", plan.products, "id"))
    stored = {no: (pk, h, d) for no, pk, h, d in values_in(Order, "order_no", plan.orders, "id", "content_hash",
                                                            "order_date")}  # fmt: skip
    for order_no, draft in plan.orders.items():
        digest = plan.hashes[order_no] = draft.content_hash(plan.resolved[draft.customer_code])
        old = stored.get(order_no)
        if old is not None and old[1] == digest:
            plan.unchanged += 1
            continue
        plan.periods.add(draft.order_date.strftime("%Y-%m"))
        if old is None:
            plan.to_create.append(order_no)
        else:
            plan.to_replace[order_no] = old[0]
            plan.periods.add(old[2].strftime("%Y-%m"))  # the month the order leaves changes too
