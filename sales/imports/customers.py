"""import_customers: customer master data (docs/imports.md §4.2), upserted by code (an old code lands on the survivor).

Every non-empty cell is applied; an empty cell leaves the stored value alone (a master-data file often carries
only the columns it means to change). Phones are stored E.164; sms_opt_out sets / clears sms_opt_out_at with
the import time; a new owner is recorded as an OwnershipChange (customers.services.customer_reassign).
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from customers.models import Customer
from customers.services import customer_reassign

from .columns import CUSTOMER_COLUMNS, CUSTOMER_REQUIRED, resolve_columns
from .parsing import DateParser, EventDateParser, MobileParser, parse_bool, parse_days
from .readers import Table
from .refs import Context, cell, chunks, customer_ids, normalized_paths, regions_ensure, salespeople_ensure, text_parser

PARSERS = {
    "code": text_parser(32), "name": text_parser(128), "region": text_parser(255), "salesperson": text_parser(64),
    "contact": text_parser(64), "address": text_parser(255), "tags": text_parser(255), "shop_type": text_parser(32),
    "credit_days": parse_days, "sms_opt_out": parse_bool,
}  # fmt: skip
PLAIN = ("name", "contact", "mobile", "address", "tags", "shop_type", "first_seen", "credit_days", "birthday")


@dataclass
class CustomersPlan:
    """Rows by customer code, split into new and changed; `changes[code]` names the fields that differ."""

    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    existing: dict[str, Customer] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    changes: dict[str, set[str]] = field(default_factory=dict)
    unchanged: int = 0
    periods: set[str] = field(default_factory=set)  # master data touches no order month

    def counts(self) -> tuple[int, int, int]:
        return len(self.created), len(self.changes), self.unchanged


def customers_plan(*, table: Table, ctx: Context) -> CustomersPlan | None:
    """Check every row, then compare with the stored customers; None when the file is invalid."""
    cols = resolve_columns(table.header, CUSTOMER_COLUMNS, CUSTOMER_REQUIRED, ctx.errors)
    if ctx.errors:
        return None
    parsers = {**PARSERS, "phone": MobileParser(), "first_seen": EventDateParser(), "birthday": DateParser()}
    parsed: list[tuple[int, dict[str, Any]]] = []
    for n, row in zip(table.numbers, table.rows, strict=True):
        values = {}
        for name, index in cols.items():
            value = cell(row, n, name, index, parsers[name], None, ctx, required=name == "code")
            if value is not None:
                values["mobile" if name == "phone" else name] = value
        parsed.append((n, values))
    if ctx.errors:
        return None
    resolved, _ids = customer_ids(v["code"] for _, v in parsed)
    plan = CustomersPlan()
    for batch in chunks(set(resolved.values())):
        stored = Customer.objects.filter(code__in=batch).select_related("region", "owner")
        plan.existing.update((c.code, c) for c in stored)
    first_row: dict[str, int] = {}
    for n, values in parsed:
        code = values["code"] = resolved[values["code"]]
        if code in first_row:
            ctx.errors.add(n, "code", f'customer "{code}" appears twice (first on row {first_row[code]})', cols["code"])
            continue
        first_row[code] = n
        plan.rows[code] = values
        customer = plan.existing.get(code)
        if customer is None:
            if "name" not in values:
                ctx.errors.add(n, "name", "required for a new customer", cols.get("name", 0))
            plan.created.append(code)
        elif diff := _diff(customer, values):
            plan.changes[code] = diff
        else:
            plan.unchanged += 1
    return None if ctx.errors else plan


def _diff(customer: Customer, values: dict[str, Any]) -> set[str]:
    """The fields whose given value differs from the stored one."""
    changed = {name for name in PLAIN if name in values and getattr(customer, name) != values[name]}
    if "region" in values:
        path = normalized_paths([values["region"]])[values["region"]]
        if (customer.region.path if customer.region else "") != path:
            changed.add("region")
    if "salesperson" in values and (customer.owner.name if customer.owner else "") != values["salesperson"]:
        changed.add("salesperson")
    if "sms_opt_out" in values and values["sms_opt_out"] != (customer.sms_opt_out_at is not None):
        changed.add("sms_opt_out")
    return changed


def customers_preview(plan: CustomersPlan) -> dict[str, int]:
    return {}


def customers_write(*, plan: CustomersPlan, batch: Any, ctx: Context) -> dict[str, int]:
    """Create the new customers, update the changed fields of the others, record owner changes."""
    now = timezone.now()
    wanted = [plan.rows[c] for c in [*plan.created, *plan.changes]]
    regions = regions_ensure(v["region"] for v in wanted if "region" in v)
    people = salespeople_ensure(v["salesperson"] for v in wanted if "salesperson" in v)
    new = []
    for code in plan.created:
        values = plan.rows[code]
        customer = Customer(code=code, region=regions.get(values.get("region", "")),
                            owner=people.get(values.get("salesperson", "")))  # fmt: skip
        _apply(customer, values, set(PLAIN) | {"sms_opt_out"}, now)
        new.append(customer)
    Customer.objects.bulk_create(new, batch_size=2000)
    touched: set[str] = set()
    moves: dict[int | None, list[Customer]] = {}
    for code, diff in plan.changes.items():
        customer, values = plan.existing[code], plan.rows[code]
        _apply(customer, values, diff, now)
        if "region" in diff:
            customer.region = regions.get(values["region"])
        if "salesperson" in diff:
            target = people.get(values["salesperson"])
            moves.setdefault(target.id if target else None, []).append(customer)
        touched |= diff - {"salesperson"}
    fields = sorted({"sms_opt_out_at" if f == "sms_opt_out" else f for f in touched})
    if fields:
        updated = [plan.existing[c] for c, d in plan.changes.items() if d - {"salesperson"}]
        for customer in updated:
            customer.updated_at = now  # bulk_update skips auto_now
        Customer.objects.bulk_update(updated, [*fields, "updated_at"], batch_size=1000)
    by_id = {p.id: p for p in people.values()}
    for target_id, movers in moves.items():
        customer_reassign(customers=movers, to=by_id.get(target_id) if target_id else None, by=ctx.user,
                          reason=f"import {ctx.file_name}")  # fmt: skip
    return {}


def _apply(customer: Customer, values: dict[str, Any], names: set[str], now: dt.datetime) -> None:
    """Copy the given values of `names` onto the customer; sms_opt_out keeps the time it was first set."""
    for name in names & set(PLAIN):
        if name in values:
            setattr(customer, name, values[name])
    if "sms_opt_out" in names and "sms_opt_out" in values:
        customer.sms_opt_out_at = (customer.sms_opt_out_at or now) if values["sms_opt_out"] else None
