"""Turning the generated arrays into rows: customers, visits, orders with lines, payments.

Timestamps are aware and derived from the data's own dates (never from the clock), so reruns match.
"""

import datetime as dt

import numpy as np
from django.utils import timezone

from customers.models import Customer, Visit
from sales.models import Order, OrderLine, Payment

from . import writer
from .calendar import Period
from .catalog import Catalog
from .customers import Behaviour
from .orders import MonthOrders
from .payments import MonthPayments
from .people import People
from .profiles import profiles_generate
from .taste import TYPE_LABELS
from .visits import Visits

SEED_STAGE_PLACEMENT = 7


def _ym(period: Period, m: int) -> str:
    return f"{period.month_starts[m]:%Y%m}"


def _aware(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def customers_write(
    *, period: Period, people: People, who: Behaviour, last_visit: np.ndarray, shop_type: np.ndarray, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Insert the customers; returns their ids and their owners' ids by customer position."""
    n = len(who)
    rng = np.random.default_rng([seed, SEED_STAGE_PLACEMENT])
    region = rng.choice(len(people.district_ids), size=n, p=np.array(people.district_weights) / sum(
        people.district_weights))
    # Each district is covered by its city's salespeople; pick one of them per customer.
    pick = rng.integers(0, 1 << 30, n)
    owners = np.array([people.district_salespeople[r][p % len(people.district_salespeople[r])]
                       for r, p in zip(region.tolist(), pick.tolist(), strict=True)], dtype=np.int64)
    prof = profiles_generate(n=n, districts=people.district_paths, region_index=region, shop_type=shop_type,
                             days=period.days, seed=seed)
    ids = writer.reserve_ids(Customer, n)
    first_seen = writer.dates(period.start, who.first_seen_day)
    created = [_aware(d) for d in first_seen]
    opt_out = [None if d < 0 else _aware(period.start + dt.timedelta(days=d), 20) for d in prof.opt_out_day.tolist()]
    last_dates = [None if d < 0 else period.start + dt.timedelta(days=d) for d in last_visit.tolist()]
    none, blank = [None] * n, [""] * n
    kinds = [TYPE_LABELS[k] for k in shop_type.tolist()]
    writer.write(Customer, [
        "id", "code", "name", "region_id", "owner_id", "contact", "mobile", "address", "tags", "shop_type",
        "first_seen", "credit_days", "birthday", "sms_opt_out_at", "last_visit_date", "last_coupon_date",
        "override_grade", "override_reason", "override_until", "override_by_id", "created_at", "updated_at",
    ], [
        ids.tolist(), prof.code, prof.name, np.array(people.district_ids)[region].tolist(), owners.tolist(),
        prof.contact, prof.mobile, prof.address, prof.tags, kinds, first_seen, who.credit_days.tolist(), prof.birthday,
        opt_out, last_dates, none, blank, blank, none, none, created, created,
    ])
    return ids, owners


def visits_write(*, period: Period, visits: Visits, ids: np.ndarray, owners: np.ndarray) -> int:
    """Insert the visits (numbered VS00000001... in date order); every visit is by the customer's owner."""
    k = len(visits.day)
    next_dates = [None if d < 0 else period.start + dt.timedelta(days=d) for d in visits.next_day.tolist()]
    visit_dates = writer.dates(period.start, visits.day)
    return writer.write(Visit, [
        "visit_no", "row_key", "customer_id", "salesperson_id", "date", "kind", "note", "next_date", "logged_by_id",
        "created_at",
    ], [
        [f"VS{i + 1:08d}" for i in range(k)], [None] * k, ids[visits.customer].tolist(),
        owners[visits.customer].tolist(), visit_dates, visits.kind, visits.note, next_dates, [None] * k,
        [_aware(d, 18) for d in visit_dates],
    ])


def orders_write(
    *, period: Period, m: int, orders: MonthOrders, ids: np.ndarray, owners: np.ndarray, catalog: Catalog
) -> int:
    """Insert month m's orders (SO<yyyymm><seq>, handled by the owner) and their lines; returns the line count."""
    o = orders
    n = len(o.customer)
    order_ids = writer.reserve_ids(Order, n)
    ym = _ym(period, m)
    status = np.where(o.cancelled, "cancelled", "confirmed").tolist()
    writer.write(Order, [
        "id", "order_no", "customer_id", "salesperson_id", "order_date", "status", "amount", "cost", "coupon_code",
        "content_hash", "import_batch_id",
    ], [
        order_ids.tolist(), [f"SO{ym}{i + 1:06d}" for i in range(n)], ids[o.customer].tolist(),
        owners[o.customer].tolist(), writer.dates(period.start, o.day), status, writer.fen_texts(o.amount_fen),
        writer.fen_texts(o.cost_fen), [""] * n, [""] * n, [None] * n,
    ])
    return writer.write(OrderLine, ["order_id", "line_no", "product_id", "quantity", "unit_price", "amount", "cost"], [
        order_ids[o.line_order].tolist(), o.line_no.tolist(), catalog.ids[o.line_product].tolist(),
        writer.quantities(o.line_qty), writer.fen_texts(o.line_price_fen), writer.fen_texts(o.line_amount_fen),
        writer.fen_texts(o.line_cost_fen),
    ])


def payments_write(*, period: Period, m: int, payments: MonthPayments, ids: np.ndarray) -> int:
    """Insert the payments of month m's statements (PM<yyyymm><seq>)."""
    p = payments
    k = len(p.customer)
    ym = _ym(period, m)
    return writer.write(Payment, ["payment_no", "customer_id", "date", "amount", "import_batch_id"], [
        [f"PM{ym}{i + 1:06d}" for i in range(k)], ids[p.customer].tolist(), writer.dates(period.start, p.day),
        writer.fen_texts(p.amount_fen), [None] * k,
    ])
