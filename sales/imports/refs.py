"""Look-ups shared by the importers: one query per table per chunk of keys, never one per row."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from django.db import connection, models

from customers.models import Customer, CustomerAlias, Region, Salesperson
from customers.services import region_get_or_create, salesperson_get_or_create
from sales.bulk import db_column
from sales.models import Category

from .errors import ErrorList
from .parsing import CellError

# Small enough for SQLite's bound-parameter limit, large enough that a 100,000-key file takes 20 queries.
CHUNK = 5000
K = TypeVar("K")

Progress = Callable[[str, int, int], None]
REQUIRED = "required value missing"


def no_progress(stage: str, done: int, total: int) -> None:
    """The default progress callback: nobody is watching."""


@dataclass
class Context:
    """What every importer needs besides the table: the file's name for messages, who, and the progress hook."""

    file_name: str
    user: Any = None
    progress: Progress = no_progress
    errors: ErrorList = field(init=False)

    def __post_init__(self) -> None:
        self.errors = ErrorList(self.file_name)


def chunks(keys: Iterable[K], size: int = CHUNK) -> Iterator[list[K]]:
    batch: list[K] = []
    for key in keys:
        batch.append(key)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def values_in(model: type[models.Model], key: str, keys: Iterable[Any], *fields: str) -> list[tuple[Any, ...]]:
    """`values_list(key, *fields)` of the rows whose `key` is in `keys`, one query per chunk of keys.

    On PostgreSQL, plain columns are read in one query with `= ANY(array)`: building a 5,000-item IN list through
    the ORM costs more than the query itself.
    """
    wanted = sorted(set(keys))
    if not wanted:
        return []
    if connection.vendor == "postgresql" and "__" not in "".join((key, *fields)):
        meta, quote = model._meta, connection.ops.quote_name
        columns = ", ".join(quote(db_column(model, f)) for f in (key, *fields))
        # Identifiers come from the model's own metadata, quoted; the keys travel as one bound array parameter.
        where = quote(db_column(model, key))
        sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {where} = ANY(%s)"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [wanted])
            return [tuple(row) for row in cursor.fetchall()]
    rows: list[tuple[Any, ...]] = []
    for batch in chunks(wanted):
        rows.extend(model._default_manager.filter(**{f"{key}__in": batch}).values_list(key, *fields))
    return rows


def customer_ids(codes: Iterable[str]) -> tuple[dict[str, str], dict[str, int]]:
    """Resolve customer codes: (code as written -> code of the customer, code -> id).

    An old code of a merged customer (CustomerAlias) lands on the survivor. The customers are read before the
    aliases: a merge writes the alias and deletes the old code in one transaction, so a code missing from the first
    read has its alias in the second. Read the other way round, a merge committing between the two reads hid the
    code from both ("unknown customer", seen racing imports against a merge); a code found here but merged just
    after is caught later, when the import replans.
    """
    codes = set(codes)
    ids = dict(values_in(Customer, "code", codes, "id"))
    resolved = {code: code for code in codes}
    for alias, survivor in values_in(CustomerAlias, "code", codes, "customer__code"):
        resolved[alias] = survivor
    survivors = set(resolved.values())
    ids.update(values_in(Customer, "code", survivors - ids.keys(), "id"))
    return resolved, {code: pk for code, pk in ids.items() if code in survivors}


def normalized_paths(paths: Iterable[str]) -> dict[str, str]:
    """The stored form of a tree path ('广东 / 广州' -> '广东/广州'), as region_get_or_create writes it."""
    return {p: "/".join(s.strip() for s in p.replace("\\", "/").split("/") if s.strip()) for p in paths}


def regions_ensure(paths: Iterable[str]) -> dict[str, Region | None]:
    """path as written -> Region, created with its ancestors on first sight (once per distinct path)."""
    stored = normalized_paths({p for p in paths if p})
    known: dict[str, Region | None] = {r.path: r for r in Region.objects.filter(path__in=set(stored.values()))}
    result: dict[str, Region | None] = {}
    for path, norm in stored.items():
        if norm and norm not in known:
            known[norm] = region_get_or_create(norm)
        result[path] = known.get(norm)
    return result


def salespeople_ensure(names: Iterable[str]) -> dict[str, Salesperson]:
    """name -> Salesperson, created (a login without a usable password) on first sight."""
    wanted = {n for n in names if n}
    known = {s.name: s for s in Salesperson.objects.filter(name__in=wanted)} if wanted else {}
    for name in wanted - set(known):
        created = salesperson_get_or_create(name)
        if created is not None:
            known[name] = created
    return known


def category_get_or_create(path: str) -> Category | None:
    """The category at '饮料/碳酸饮料', creating missing ancestors; None for a blank path."""
    parts = [p.strip() for p in path.replace("\\", "/").split("/") if p.strip()]
    parent: Category | None = None
    for depth in range(1, len(parts) + 1):
        parent, _ = Category.objects.get_or_create(
            path="/".join(parts[:depth]), defaults={"name": parts[depth - 1][:64], "parent": parent}
        )
    return parent


def categories_ensure(paths: Iterable[str]) -> dict[str, Category | None]:
    """path as written -> Category, created on first sight (once per distinct path, not per row)."""
    stored = normalized_paths({p for p in paths if p})  # same rule as regions
    known: dict[str, Category | None] = {c.path: c for c in Category.objects.filter(path__in=set(stored.values()))}
    result: dict[str, Category | None] = {}
    for path, norm in stored.items():
        if norm and norm not in known:
            known[norm] = category_get_or_create(norm)
        result[path] = known.get(norm)
    return result


def cell(row: list[str], n: int, name: str, index: int | None, parse: Callable[[str], Any], default: Any,
         ctx: Context, required: bool = False) -> Any:  # fmt: skip
    """One cell through its parser; a problem is recorded (FILE:ROW: field: problem) and None returned.

    An absent optional column or an empty cell gives `default`; an empty required cell is "required value missing".
    """
    text = row[index].strip() if index is not None else ""
    if not text:
        if required:
            ctx.errors.add(n, name, REQUIRED, index or 0)
            return None
        return default
    try:
        return parse(text)
    except CellError as exc:
        ctx.errors.add(n, name, str(exc), index or 0)
        return None


def text_parser(limit: int) -> Callable[[str], str]:
    """A parser for text that must fit CharField(max_length=limit)."""

    def parse(text: str) -> str:
        if len(text) > limit:
            raise CellError(f"longer than {limit} characters")
        return text

    return parse


def month(date: Any) -> str:
    """The period a date falls in: 'YYYY-MM'."""
    return date.strftime("%Y-%m")


def parse_column(table: Any, name: str, index: int | None, parse: Callable[[str], Any], default: Any, ctx: Context,
                 bad_rows: set[int], required: bool = False) -> list[Any]:  # fmt: skip
    """A whole column through its parser, each distinct value parsed once (vectorised: BENCHMARKS.md, Targets).

    Returns one value per row (None where the cell is bad); the positions of bad rows are added to `bad_rows`
    and each problem is recorded as FILE:ROW: field: problem.
    """
    if index is None:
        return [default] * len(table)
    texts, codes = table.codes(index)
    parsed = np.empty(len(texts), dtype=object)  # filled one by one: np.array would unpack tuple values
    bad: dict[int, str] = {}
    for i, text in enumerate(texts):
        stripped = text.strip()
        if not stripped:
            if required:
                bad[i] = REQUIRED
            else:
                parsed[i] = default
            continue
        try:
            parsed[i] = parse(stripped)
        except CellError as exc:
            bad[i] = str(exc)
    if bad:
        for position in np.flatnonzero(np.isin(codes, list(bad))).tolist():
            ctx.errors.add(table.numbers[position], name, bad[int(codes[position])], index)
            bad_rows.add(position)
    return parsed[codes].tolist()
