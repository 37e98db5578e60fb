"""One lock order for imports and merges (issue 18 item 7): customers first, in id order.

On PostgreSQL an import racing a merge of the same customers deadlocked: the merge held `FOR UPDATE` on the two
customers and waited for the orders the import was writing, while the import's inserts took `FOR KEY SHARE` on
the customers through their foreign keys (and its `first_seen` update a row lock), in file order, waiting for the
merge. Now an import's write transaction first locks every stored customer it references or changes, in id order,
`FOR NO KEY UPDATE` (it may update them, and a weaker lock upgraded later deadlocks two imports; foreign-key checks
of other writers still pass). The merge locks its two customers in id order too
(customers.services_admin.merge), so whichever comes first, the other waits instead of deadlocking.

A customer the plan resolved that is gone once the lock is held was merged meanwhile: the import plans again (its
old code is now an alias of the survivor) instead of failing on the foreign key.
"""

from collections.abc import Iterable
from typing import Any

from django.db import connection

from customers.models import Customer

from .refs import chunks

PLAN_ATTEMPTS = 3


class PlanStale(Exception):
    """Customers the plan refers to were merged away while it was made: plan again."""


def customers_lock(ids: Iterable[int]) -> None:
    """Lock the customers `ids` in id order for the rest of the transaction; PlanStale if any no longer exists."""
    wanted = sorted(set(ids))
    if not wanted:
        return
    found = 0
    for batch in chunks(wanted):  # ascending chunks of ascending ids: one global order
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id FROM {Customer._meta.db_table} WHERE id = ANY(%s) ORDER BY id "  # noqa: S608 - constant
                    "FOR NO KEY UPDATE", [batch])
                found += len(cursor.fetchall())
        else:
            # SQLite has no row locks: an IMMEDIATE transaction already holds the one write lock.
            found += Customer.objects.filter(pk__in=batch).count()
    if found != len(wanted):
        raise PlanStale(f"{len(wanted) - found} customer(s) of the file were merged into others meanwhile")


def no_customers(plan: Any) -> set[int]:
    return set()


def _stored_customers(model: Any, pks: Iterable[int]) -> set[int]:
    """The customers that rows `pks` of `model` belong to now (a changed row may move to another customer)."""
    result: set[int] = set()
    for batch in chunks(sorted(set(pks))):
        result.update(model.objects.filter(pk__in=batch).values_list("customer_id", flat=True))
    return result


def sales_customers(plan: Any) -> set[int]:
    from sales.models import Order

    return set(plan.customer_ids.values()) | _stored_customers(Order, plan.to_replace.values())


def payments_customers(plan: Any) -> set[int]:
    from sales.models import Payment

    return {row[0] for row in plan.rows.values()} | _stored_customers(Payment, plan.changed.values())


def visits_customers(plan: Any) -> set[int]:
    from customers.models import Visit

    return {row["customer_id"] for row in plan.rows.values()} | _stored_customers(Visit, plan.changed.values())


def customers_customers(plan: Any) -> set[int]:
    return {c.pk for c in plan.existing.values()}
