"""The monthly rollup (CustomerMonth) is kept by database triggers on sales_order; here is their SQL.

Why triggers: orders are written by COPY in imports and the demo seed, by bulk updates, by merges, by the admin
and by hand. A rollup kept in Python by each of them goes stale the first time one forgets; a trigger cannot.
- PostgreSQL: statement-level triggers with transition tables. An INSERT adds its sums to the months it touched
  (one upsert with deltas per statement, so a 50,000-row COPY costs one GROUP BY); an UPDATE or DELETE recomputes
  the touched (customer, month) keys from sales_order, since a MIN or MAX cannot be un-added; TRUNCATE empties it.
- SQLite (the embedded default): row-level triggers; an INSERT upserts its deltas, an UPDATE or DELETE recomputes
  the touched key (upsert, then drop the key if no live order is left).
Both sides count what docs/analytics.md §2 counts: cancelled orders never; `orders` is the number of positive orders.

Concurrent writers (issue 18): two transactions writing orders of one customer-month at once must both succeed
and leave the right sums. A recompute that deleted then inserted the key raised a unique violation when the
other transaction inserted it meanwhile. Now every write goes through `INSERT ... ON CONFLICT DO UPDATE`, keys in
a fixed order: the recompute first upserts the keys (taking their row locks, so it waits for any other writer of
them to commit), and only then reads the orders, in a new statement whose snapshot sees what that writer
committed. A delta upsert that waited for a recompute adds its own orders, which the recompute could not see.

`rollup_rebuild()` recomputes the whole table; `rollup_drift()` counts the keys where it and the orders disagree
(tests assert 0 after every kind of write; `manage.py rollup --check` does it on a live database).
"""

# ruff: noqa: S608 - every piece of SQL here is a constant of this module: no input ever reaches it.

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from core.triggers import Triggers

TABLE = "sales_customermonth"
COLUMNS = "customer_id, month, sales, cost, positive_sales, orders, first_any, first_positive, last_positive"
# The sums of a group of orders `o`; valid on both engines (SQLite has had FILTER since 3.30).
SUMS = """SUM(o.amount) AS sales, SUM(o.cost) AS cost,
       COALESCE(SUM(o.amount) FILTER (WHERE o.amount > 0), 0) AS positive_sales,
       COUNT(*) FILTER (WHERE o.amount > 0) AS orders, MIN(o.order_date) AS first_any,
       MIN(o.order_date) FILTER (WHERE o.amount > 0) AS first_positive,
       MAX(o.order_date) FILTER (WHERE o.amount > 0) AS last_positive"""
MONTH = {"postgresql": "date_trunc('month', {d})::date", "sqlite": "strftime('%Y-%m-01', {d})"}


def _month(vendor: str, date_sql: str) -> str:
    return MONTH[vendor].format(d=date_sql)


def _all_months_sql(vendor: str) -> str:
    """Every (customer, month) of the live orders, aggregated: what the table must equal."""
    month = _month(vendor, "o.order_date")
    return (f"SELECT o.customer_id AS customer_id, {month} AS month, {SUMS} FROM sales_order o "
            "WHERE o.status <> 'cancelled' "
            f"GROUP BY o.customer_id, {month}")


# --- PostgreSQL ------------------------------------------------------------------------------------------------

def _pg_recompute(keys: str) -> str:
    """Refresh the rollup rows of the (customer_id, month) keys that `keys` selects from the live orders.

    1. Upsert the keys in key order (a placeholder where none exists): this takes their row locks, waiting for any
       other transaction writing them. 2. Set the fresh sums, read by a new statement after the locks, so they
       include whatever that transaction committed. 3. Drop the keys with no live order left.
    """
    return f"""
    INSERT INTO {TABLE} AS r ({COLUMNS})
    SELECT k.customer_id, k.month, 0, 0, 0, 0, k.month, NULL, NULL FROM ({keys}) k ORDER BY 1, 2
    ON CONFLICT (customer_id, month) DO UPDATE SET orders = r.orders;
    UPDATE {TABLE} r SET sales = f.sales, cost = f.cost, positive_sales = f.positive_sales, orders = f.orders,
        first_any = f.first_any, first_positive = f.first_positive, last_positive = f.last_positive
    FROM (SELECT o.customer_id, k.month, {SUMS}
          FROM ({keys}) k JOIN sales_order o ON o.customer_id = k.customer_id AND o.order_date >= k.month
               AND o.order_date < (k.month + interval '1 month')::date
          WHERE o.status <> 'cancelled' GROUP BY o.customer_id, k.month) f
    WHERE r.customer_id = f.customer_id AND r.month = f.month;
    DELETE FROM {TABLE} r USING ({keys}) k
    WHERE r.customer_id = k.customer_id AND r.month = k.month AND NOT EXISTS (
        SELECT 1 FROM sales_order o WHERE o.customer_id = k.customer_id AND o.order_date >= k.month
            AND o.order_date < (k.month + interval '1 month')::date AND o.status <> 'cancelled');"""


def _pg_keys(*tables: str) -> str:
    month = _month("postgresql", "t.order_date")
    return " UNION ".join(f"SELECT t.customer_id, {month} AS month FROM {t} t" for t in tables)


PG_INSTALL = f"""
CREATE OR REPLACE FUNCTION sales_customermonth_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TABLE} AS r ({COLUMNS})
    SELECT o.customer_id, {_month("postgresql", "o.order_date")}, {SUMS}
    FROM new_rows o WHERE o.status <> 'cancelled' GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (customer_id, month) DO UPDATE SET
        sales = r.sales + excluded.sales, cost = r.cost + excluded.cost,
        positive_sales = r.positive_sales + excluded.positive_sales, orders = r.orders + excluded.orders,
        first_any = LEAST(r.first_any, excluded.first_any),
        first_positive = LEAST(r.first_positive, excluded.first_positive),
        last_positive = GREATEST(r.last_positive, excluded.last_positive);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION sales_customermonth_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {_pg_recompute(_pg_keys("old_rows", "new_rows"))}
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION sales_customermonth_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {_pg_recompute(_pg_keys("old_rows"))}
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION sales_customermonth_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {TABLE};
    RETURN NULL;
END $$;
CREATE TRIGGER sales_order_month_insert AFTER INSERT ON sales_order REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sales_customermonth_insert();
CREATE TRIGGER sales_order_month_update AFTER UPDATE ON sales_order
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sales_customermonth_update();
CREATE TRIGGER sales_order_month_delete AFTER DELETE ON sales_order REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sales_customermonth_delete();
CREATE TRIGGER sales_order_month_truncate AFTER TRUNCATE ON sales_order
    FOR EACH STATEMENT EXECUTE FUNCTION sales_customermonth_truncate();
"""
PG_UNINSTALL = """
DROP TRIGGER IF EXISTS sales_order_month_insert ON sales_order;
DROP TRIGGER IF EXISTS sales_order_month_update ON sales_order;
DROP TRIGGER IF EXISTS sales_order_month_delete ON sales_order;
DROP TRIGGER IF EXISTS sales_order_month_truncate ON sales_order;
DROP FUNCTION IF EXISTS sales_customermonth_insert(), sales_customermonth_update(), sales_customermonth_delete(),
    sales_customermonth_truncate();
"""


# --- SQLite ----------------------------------------------------------------------------------------------------

def _sqlite_recompute(ref: str) -> str:
    """Statements that recompute the key of the row `ref` (NEW or OLD) inside a row trigger: upsert its fresh
    sums, then drop the key if no live order is left in it."""
    month = _month("sqlite", f"{ref}.order_date")
    live = (f"o.customer_id = {ref}.customer_id AND o.order_date >= {month} "
            f"AND o.order_date < date({ref}.order_date, 'start of month', '+1 month') AND o.status <> 'cancelled'")
    return f"""
    INSERT INTO {TABLE} ({COLUMNS})
    SELECT o.customer_id, {month}, {SUMS} FROM sales_order o WHERE {live} GROUP BY o.customer_id
    ON CONFLICT (customer_id, month) DO UPDATE SET sales = excluded.sales, cost = excluded.cost,
        positive_sales = excluded.positive_sales, orders = excluded.orders, first_any = excluded.first_any,
        first_positive = excluded.first_positive, last_positive = excluded.last_positive;
    DELETE FROM {TABLE} WHERE customer_id = {ref}.customer_id AND month = {month}
        AND NOT EXISTS (SELECT 1 FROM sales_order o WHERE {live});"""


def _sqlite_least(a: str, b: str, fn: str) -> str:
    """SQLite's two-argument MIN/MAX return NULL when either is NULL; LEAST/GREATEST of PostgreSQL skip it."""
    return f"COALESCE({fn}({a}, {b}), {a}, {b})"


# An inserted order adds its deltas to its key (no scan of the month's orders: the common write, imports).
_NEW_POSITIVE = "NEW.amount > 0"
SQLITE_INSERT = f"""
    INSERT INTO {TABLE} ({COLUMNS})
    SELECT NEW.customer_id, {_month("sqlite", "NEW.order_date")}, NEW.amount, NEW.cost,
        CASE WHEN {_NEW_POSITIVE} THEN NEW.amount ELSE 0 END, CASE WHEN {_NEW_POSITIVE} THEN 1 ELSE 0 END,
        NEW.order_date, CASE WHEN {_NEW_POSITIVE} THEN NEW.order_date END,
        CASE WHEN {_NEW_POSITIVE} THEN NEW.order_date END
    WHERE NEW.status <> 'cancelled'
    ON CONFLICT (customer_id, month) DO UPDATE SET sales = sales + excluded.sales, cost = cost + excluded.cost,
        positive_sales = positive_sales + excluded.positive_sales, orders = orders + excluded.orders,
        first_any = {_sqlite_least("first_any", "excluded.first_any", "MIN")},
        first_positive = {_sqlite_least("first_positive", "excluded.first_positive", "MIN")},
        last_positive = {_sqlite_least("last_positive", "excluded.last_positive", "MAX")};"""

SQLITE_INSTALL = [
    f"CREATE TRIGGER sales_order_month_insert AFTER INSERT ON sales_order BEGIN {SQLITE_INSERT} END",
    f"CREATE TRIGGER sales_order_month_update AFTER UPDATE ON sales_order BEGIN {_sqlite_recompute('OLD')} "
    f"{_sqlite_recompute('NEW')} END",
    f"CREATE TRIGGER sales_order_month_delete AFTER DELETE ON sales_order BEGIN {_sqlite_recompute('OLD')} END",
]
SQLITE_UNINSTALL = [f"DROP TRIGGER IF EXISTS sales_order_month_{op}" for op in ("insert", "update", "delete")]


TRIGGERS = Triggers("the monthly rollup", install_sql={"postgresql": [PG_INSTALL], "sqlite": SQLITE_INSTALL},
                    uninstall_sql={"postgresql": [PG_UNINSTALL], "sqlite": SQLITE_UNINSTALL})


def rollup_rebuild(conn: BaseDatabaseWrapper | None = None) -> int:
    """Recompute the whole rollup from the orders, atomically; returns its row count."""
    conn = conn or connection
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE sales_order IN SHARE MODE; DELETE FROM {TABLE}")  # no write slips between
        else:
            cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(f"INSERT INTO {TABLE} ({COLUMNS}) {_all_months_sql(conn.vendor)}")
        return cursor.rowcount


def rollup_drift(conn: BaseDatabaseWrapper | None = None) -> int:
    """How many (customer, month) keys differ between the rollup and the orders (0 when it is right).

    Money is compared at cents: SQLite sums floats, in whatever order its triggers happened to add them."""
    conn = conn or connection
    cents = "ROUND(CAST({} AS NUMERIC), 2)" if conn.vendor == "sqlite" else "{}"
    money = ", ".join(cents.format(c) for c in ("sales", "cost", "positive_sales"))
    picked = f"customer_id, month, {money}, orders, first_any, first_positive, last_positive"
    stored = f"SELECT {picked} FROM {TABLE}"
    fresh = f"SELECT {picked} FROM ({_all_months_sql(conn.vendor)}) f"
    keys = (f"SELECT customer_id, month FROM ({stored} EXCEPT {fresh}) a UNION "
            f"SELECT customer_id, month FROM ({fresh} EXCEPT {stored}) b")
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({keys}) k")
        return int(cursor.fetchone()[0])
