"""The seed_demo service: build the whole demo data set month by month (docs/interfaces.md §4, `seed_demo`).

Same arguments, same rows: every draw comes from numpy.random.default_rng([seed, stage, ...]), rows are sorted
before numbering, and nothing reads today's date once `end_month` is given. Memory stays flat because each
month's orders, lines and payments are generated, written and dropped before the next month.
"""

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from .calendar import day_weights, period_for
from .catalog import catalog_ensure
from .customers import behaviour_generate
from .hazard import hazard_behaviour, latent_taste
from .orders import arrivals_start, month_orders
from .payments import month_payments
from .people import people_ensure
from .rows import customers_write, orders_write, payments_write, visits_write
from .taste import taste_generate
from .visits import last_visit_day, visits_generate


@dataclass
class DemoSummary:
    customers: int = 0
    orders: int = 0
    lines: int = 0
    payments: int = 0
    visits: int = 0
    products: int = 0
    seconds: float = 0.0
    start: dt.date | None = None
    end: dt.date | None = None


@transaction.atomic
def demo_seed(
    *, customers: int, months: int, end_month: dt.date, seed: int, log: Callable[[str], None] = lambda _: None,
    realism: str = "demo",
) -> DemoSummary:
    """Create the demo book: people, catalogue, customers, visits, then orders, lines and payments per month.

    realism="hazard" draws churn from monthly hazard rates and baskets from a latent basket model instead
    (sales.demo.hazard, issue 21): data the churn and cross-sell code was not written against.
    """
    started = time.monotonic()
    period = period_for(end_month=end_month, months=months)
    people = people_ensure()
    catalog = catalog_ensure(seed)
    if realism == "hazard":
        who = hazard_behaviour(n=customers, period=period, seed=seed)
        taste = latent_taste(who=who, catalog=catalog, seed=seed)
    else:
        who = behaviour_generate(n=customers, period=period, seed=seed)
        taste = taste_generate(who=who, catalog=catalog, seed=seed)
    visits = visits_generate(who=who, period=period, seed=seed)
    ids, owners = customers_write(period=period, people=people, who=who,
                                  last_visit=last_visit_day(visits, customers), shop_type=taste.shop_type,
                                  seed=seed)
    summary = DemoSummary(customers=customers, visits=visits_write(period=period, visits=visits, ids=ids,
                                                                   owners=owners),
                          products=len(catalog), start=period.start, end=period.end)
    weights = day_weights(period)
    carry = arrivals_start(who, seed)
    for m, first_day in enumerate(period.month_starts):
        orders = month_orders(m=m, period=period, weights=weights, who=who, catalog=catalog, taste=taste,
                              seed=seed, carry=carry)
        summary.orders += len(orders.customer)
        summary.lines += orders_write(period=period, m=m, orders=orders, ids=ids, owners=owners, catalog=catalog)
        pays = month_payments(m=m, orders=orders, who=who, days=period.days, seed=seed)
        summary.payments += payments_write(period=period, m=m, payments=pays, ids=ids)
        log(f"{first_day:%Y-%m}: {len(orders.customer)} orders, {len(orders.line_no)} lines, "
            f"{len(pays.customer)} payments")
    summary.seconds = time.monotonic() - started
    return summary

