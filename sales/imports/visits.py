"""import_visits (docs/imports.md §4.4): customer_code, date, salesperson, kind, note, next_date; optional visit_no.

Without a visit_no the whole row is the key (`Visit.row_key`, a hash of every cell), so re-importing a file changes
nothing and the same row twice in one file is one visit. A customer's last_visit_date moves to its latest visit.
Each visit is logged_by the importing user (None from the command line without one). An empty note is accepted,
unlike the form and the API: a file is history kept elsewhere, and refusing the whole file over a blank cell would
lose the rest of it; the profile shows such a visit as "no outcome recorded".
"""

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from customers.models import Customer, Visit
from customers.services import customer_last_visit_refresh

from .columns import VISIT_COLUMNS, VISIT_REQUIRED, resolve_columns
from .parsing import CellError, DateParser, EventDateParser
from .readers import Table
from .refs import Context, cell, chunks, customer_ids, month, salespeople_ensure, text_parser, values_in

KINDS = {
    "": Visit.Kind.ONSITE, "onsite": Visit.Kind.ONSITE, "on-site": Visit.Kind.ONSITE, "visit": Visit.Kind.ONSITE,
    "上门": Visit.Kind.ONSITE, "拜访": Visit.Kind.ONSITE, "上门拜访": Visit.Kind.ONSITE, "现场": Visit.Kind.ONSITE,
    "phone": Visit.Kind.PHONE, "call": Visit.Kind.PHONE, "电话": Visit.Kind.PHONE, "电话拜访": Visit.Kind.PHONE,
    "message": Visit.Kind.MESSAGE, "sms": Visit.Kind.MESSAGE, "wechat": Visit.Kind.MESSAGE,
    "短信": Visit.Kind.MESSAGE, "微信": Visit.Kind.MESSAGE, "消息": Visit.Kind.MESSAGE,
}  # fmt: skip
FIELDS = ("customer_id", "salesperson", "date", "kind", "note", "next_date")


def parse_kind(text: str) -> str:
    """onsite / phone / message, or 上门/电话/短信/微信."""
    kind = KINDS.get(text.lower())
    if kind is None:
        raise CellError(f'unknown visit kind "{text}" (use onsite, phone or message)')
    return str(kind)


@dataclass
class VisitsPlan:
    """key -> visit values; key is ("no", visit_no) or ("row", row hash)."""

    rows: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    created: list[tuple[str, str]] = field(default_factory=list)
    changed: dict[tuple[str, str], int] = field(default_factory=dict)
    unchanged: int = 0
    periods: set[str] = field(default_factory=set)
    last_visit: dict[int, dt.date] = field(default_factory=dict)  # customer id -> new last_visit_date

    def counts(self) -> tuple[int, int, int]:
        return len(self.created), len(self.changed), self.unchanged


def row_key(row: list[str], cols: dict[str, int]) -> str:
    """The whole row as a key: every mapped cell under its canonical name, so column order does not matter."""
    text = "\x1e".join(f"{name}\x1f{row[index].strip()}" for name, index in sorted(cols.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def visits_plan(*, table: Table, ctx: Context) -> VisitsPlan | None:
    """Check every row, then compare with the stored visits; None when the file is invalid."""
    cols = resolve_columns(table.header, VISIT_COLUMNS, VISIT_REQUIRED, ctx.errors)
    if ctx.errors:
        return None
    dates = DateParser()  # next_date: a follow-up is planned, so it may be later than tomorrow
    parsers: dict[str, Callable[[str], Any]] = {
        "visit_no": text_parser(64), "customer_code": text_parser(32), "date": EventDateParser(),
        "salesperson": text_parser(64), "kind": parse_kind, "note": str, "next_date": dates,
    }  # fmt: skip
    parsed = []
    for n, row in zip(table.numbers, table.rows, strict=True):
        bad = len(ctx.errors)
        values = {name: cell(row, n, name, index, parsers[name], "", ctx, required=name in VISIT_REQUIRED)
                  for name, index in cols.items()}  # fmt: skip
        if values.get("next_date") and values.get("date") and values["next_date"] < values["date"]:
            ctx.errors.add(n, "next_date", f"next follow-up {values['next_date']} is before the visit date",
                           cols["next_date"])  # fmt: skip
        if len(ctx.errors) == bad:
            key = ("no", values["visit_no"]) if values.get("visit_no") else ("row", row_key(row, cols))
            parsed.append((n, key, values))
    resolved, ids = customer_ids(v["customer_code"] for _, _, v in parsed)
    plan = VisitsPlan()
    first_row: dict[tuple[str, str], int] = {}
    for n, key, values in parsed:
        if key in plan.rows:
            if key[0] == "no":
                problem = f'visit "{key[1]}" appears twice (first on row {first_row[key]})'
                ctx.errors.add(n, "visit_no", problem, cols["visit_no"])
            else:
                plan.unchanged += 1  # the very same row again: one visit
            continue
        customer_id = ids.get(resolved[values["customer_code"]])
        if customer_id is None:
            ctx.errors.add(n, "customer_code", f'unknown customer "{values["customer_code"]}"', cols["customer_code"])
            continue
        first_row[key] = n
        plan.rows[key] = {"customer_id": customer_id, "salesperson": values.get("salesperson", ""),
                          "date": values["date"], "kind": values.get("kind") or Visit.Kind.ONSITE.value,
                          "note": values.get("note", ""), "next_date": values.get("next_date") or None}  # fmt: skip
    if ctx.errors:
        return None
    _compare(plan)
    return plan


def _compare(plan: VisitsPlan) -> None:
    """New, changed (only a visit_no can change) or unchanged; and each customer's latest visit date."""
    by_no = {k[1] for k in plan.rows if k[0] == "no"}
    by_row = {k[1] for k in plan.rows if k[0] == "row"}
    # key -> (pk, *FIELDS values) for keyed visits; (pk,) alone for whole-row keys, which cannot change
    stored: dict[tuple[str, str], tuple[Any, ...]] = {
        ("no", no): (pk, cid, sp or "", d, kind, note, nxt) for no, pk, cid, sp, d, kind, note, nxt in values_in(
            Visit, "visit_no", by_no, "id", "customer_id", "salesperson__name", "date", "kind", "note", "next_date")
    }  # fmt: skip
    stored.update({("row", key): (pk,) for key, pk in values_in(Visit, "row_key", by_row, "id")})
    for key, values in plan.rows.items():
        old = stored.get(key)
        if old is None:
            plan.created.append(key)
        elif len(old) > 1 and old[1:] != tuple(values[f] for f in FIELDS):
            plan.changed[key] = old[0]
            plan.periods.add(month(old[3]))
        else:
            plan.unchanged += 1
            continue
        plan.periods.add(month(values["date"]))
    latest: dict[int, dt.date] = {}
    for values in plan.rows.values():
        cid = values["customer_id"]
        latest[cid] = max(latest.get(cid, values["date"]), values["date"])
    for cid, last in values_in(Customer, "id", latest, "last_visit_date"):
        if last is None or latest[cid] > last:
            plan.last_visit[cid] = latest[cid]


def visits_preview(plan: VisitsPlan) -> dict[str, int]:
    return {"last visit dates moved": len(plan.last_visit)}


def visits_write(*, plan: VisitsPlan, batch: Any, ctx: Context) -> dict[str, int]:
    """Create new visits, update changed ones, set last_visit_date to each customer's latest visit."""
    people = salespeople_ensure(v["salesperson"] for v in plan.rows.values())

    def build(key: tuple[str, str], pk: int | None = None) -> Visit:
        v = plan.rows[key]
        return Visit(id=pk, visit_no=key[1] if key[0] == "no" else None, row_key=key[1] if key[0] == "row" else None,
                     customer_id=v["customer_id"], salesperson=people.get(v["salesperson"]), date=v["date"],
                     kind=v["kind"], note=v["note"], next_date=v["next_date"], logged_by=ctx.user)  # fmt: skip

    for keys in chunks(plan.created):
        Visit.objects.bulk_create([build(k) for k in keys])
    changed = [build(k, pk) for k, pk in plan.changed.items()]
    Visit.objects.bulk_update(changed, ["customer", *FIELDS[1:]], batch_size=1000)
    # Derived from the visits (a changed visit_no may move a date back), for every customer the file touched.
    for ids in chunks(sorted({v["customer_id"] for v in plan.rows.values()})):
        customer_last_visit_refresh(customer_ids=ids)
    return {"last visit dates moved": len(plan.last_visit)}
