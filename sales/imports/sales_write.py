"""import_sales, the write: customers, products, orders and lines, in one transaction (the caller's).

COPY (sales.bulk.bulk_insert_columns) for orders and lines, bulk_create / bulk_update for the rest; a changed order
keeps its id, loses its lines and gets the file's lines (docs/imports.md §4.1: a changed order is replaced).
"""

from decimal import Decimal

from django.db import connection

from customers.models import Customer
from sales.bulk import bulk_insert_columns
from sales.models import ImportBatch, Order, OrderLine, Product

from .refs import Context, categories_ensure, chunks, regions_ensure, salespeople_ensure, values_in
from .sales import OrderDraft, SalesPlan


def sales_write(*, plan: SalesPlan, batch: ImportBatch, ctx: Context) -> dict[str, int]:
    """Apply a validated SalesPlan; returns what was created besides orders (for the report)."""
    orders = [plan.orders[no] for no in plan.to_create] + [plan.orders[no] for no in plan.to_replace]
    people = salespeople_ensure({d.salesperson for d in orders} | {o for _, o in plan.new_customers.values()})
    new_customers = _customers_write(plan, people)
    new_products = _products_write(plan)
    total_lines = sum(len(d.lines) for d in orders)
    ctx.progress("writing", 0, total_lines)
    created = [plan.orders[no] for no in plan.to_create]
    ids = _allocate_ids(len(created))
    columns = _order_columns(plan, created, people, batch)
    order_ids = dict(plan.to_replace)
    if ids is None:
        bulk_insert_columns(Order, columns)
        order_ids.update(values_in(Order, "order_no", plan.to_create, "id"))
    else:
        bulk_insert_columns(Order, {"id": ids, **columns})
        order_ids.update(zip(plan.to_create, ids, strict=True))
    _replace_orders(plan, people, batch)
    bulk_insert_columns(OrderLine, _line_columns(plan, orders, order_ids, ctx, total_lines))
    ctx.progress("writing", total_lines, total_lines)
    return {"customers created": new_customers, "products created": new_products}


def _order_columns(plan: SalesPlan, drafts: list[OrderDraft], people: dict, batch: ImportBatch) -> dict[str, list]:
    """The orders' stored values as columns (attribute names), amount and cost summed from their lines: COPY of
    new orders and bulk_update of changed ones both write these."""
    sp_ids = {name: sp.id for name, sp in people.items()}
    customer = [plan.customer_ids[plan.resolved[d.customer_code]] for d in drafts]
    amounts = [sum(ln[3] for ln in d.lines) for d in drafts]
    costs = [sum(ln[4] for ln in d.lines) for d in drafts]
    return {
        "order_no": [d.order_no for d in drafts], "customer_id": customer,
        "salesperson_id": [sp_ids.get(d.salesperson) for d in drafts], "order_date": [d.order_date for d in drafts],
        "status": [d.status for d in drafts], "amount": amounts, "cost": costs,
        "coupon_code": [d.coupon_code for d in drafts], "content_hash": [plan.hashes[d.order_no] for d in drafts],
        "import_batch_id": [batch.id] * len(drafts),
    }  # fmt: skip


def _line_columns(plan: SalesPlan, drafts: list[OrderDraft], order_ids: dict[str, int], ctx: Context,
                  total: int) -> dict[str, list]:  # fmt: skip
    """Every line of `drafts` as columns; a line without a sku has no product."""
    order: list[int] = []
    line_no: list[int] = []
    product: list[int | None] = []
    quantity: list[Decimal] = []
    price: list[Decimal | None] = []
    amount: list[Decimal] = []
    cost: list[Decimal] = []
    product_ids = plan.product_ids  # holds no "" key: a line without a sku gets None
    done = 0
    for d in drafts:
        n = len(d.lines)
        order.extend([order_ids[d.order_no]] * n)
        line_no.extend(range(1, n + 1))
        skus, quantities, prices, amounts, costs = zip(*d.lines, strict=True)
        product.extend(map(product_ids.get, skus))
        quantity.extend(quantities)
        price.extend(prices)
        amount.extend(amounts)
        cost.extend(costs)
        done += n
        if done % 10000 < n:
            ctx.progress("writing", done, total)
    return {"order_id": order, "line_no": line_no, "product_id": product, "quantity": quantity, "unit_price": price,
            "amount": amount, "cost": cost}  # fmt: skip


def _allocate_ids(count: int) -> list[int] | None:
    """On PostgreSQL take `count` ids from the order sequence up front, so lines can point at orders loaded by COPY.

    Elsewhere (SQLite) return None: the ids are read back after the insert.
    """
    if connection.vendor != "postgresql" or not count:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Order._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _replace_orders(plan: SalesPlan, people: dict, batch: ImportBatch) -> None:
    """A changed order keeps its row (and id) with the file's values; its old lines go."""
    if not plan.to_replace:
        return
    columns = _order_columns(plan, [plan.orders[no] for no in plan.to_replace], people, batch)
    objs = [Order(id=pk, **dict(zip(columns, values, strict=True)))
            for pk, values in zip(plan.to_replace.values(), zip(*columns.values(), strict=True), strict=True)]
    fields = [name.removesuffix("_id") for name in columns if name != "order_no"]  # the number is the key
    Order.objects.bulk_update(objs, fields, batch_size=1000)
    for pks in chunks(plan.to_replace.values()):
        OrderLine.objects.filter(order_id__in=pks).delete()


def _customers_write(plan: SalesPlan, people: dict) -> int:
    """Create the customers first seen in this file; lower first_seen of known ones with earlier orders."""
    if plan.first_seen_lowered:
        Customer.objects.bulk_update(
            [Customer(id=pk, first_seen=first) for pk, first in plan.first_seen_lowered.items()],
            ["first_seen"], batch_size=1000,
        )  # fmt: skip
    if not plan.new_customers:
        return 0
    written = {plan.resolved[code]: info for code, info in plan.customers.items()}
    regions = regions_ensure(written[code]["region"] for code in plan.new_customers)
    objs = []
    for code, (first_seen, owner) in plan.new_customers.items():
        info = written[code]
        objs.append(Customer(
            code=code, name=info["customer_name"] or code, region=regions.get(info["region"]),
            owner=people.get(owner), mobile=info["phone"], first_seen=first_seen,
        ))  # fmt: skip
    Customer.objects.bulk_create(objs, batch_size=2000)
    plan.customer_ids.update(values_in(Customer, "code", plan.new_customers, "id"))
    return len(objs)


def _products_write(plan: SalesPlan) -> int:
    """Create the products first seen in this file (existing products are master data: not overwritten)."""
    missing = [sku for sku in plan.products if sku not in plan.product_ids]
    if not missing:
        return 0
    categories = categories_ensure(plan.products[sku][1] for sku in missing)
    Product.objects.bulk_create(
        [Product(sku=sku, name=plan.products[sku][0] or sku, category=categories.get(plan.products[sku][1]))
         for sku in missing],
        batch_size=2000,
    )  # fmt: skip
    plan.product_ids.update(values_in(Product, "sku", missing, "id"))
    return len(missing)
