"""The daily pulse: lifecycle and 30-day surge/plunge as of yesterday, for the month under way.

docs/analytics.md §3.2, §3.3; the job: README.md, Jobs.
"""

import datetime as dt

import pandas as pd
from django.db import transaction

from analytics.aggregates import first_last_frame, surge_frame
from analytics.engine.lifecycle import days_since, is_new, lifecycle
from analytics.engine.money import cny_to_fen_cut
from analytics.engine.surge import surge_plunge
from analytics.models import CustomerPulse
from customers.models import Customer
from sales.bulk import bulk_insert

from .policies import policy_active, policy_of

PULSE_NEW_DAYS = 30


@transaction.atomic
def pulse_compute(*, as_of: dt.date) -> int:
    """Replace every customer's pulse with the figures as of `as_of`; returns the number of rows.

    docs/analytics.md §3.2 (is_new over the last 30 days for the pulse) and 3.3, under the active policy.
    """
    policy = policy_of(policy_active())
    ids = list(Customer.objects.values_list("id", flat=True))
    first_last = first_last_frame(as_of).set_index("customer_id").reindex(ids)
    surge = surge_frame(as_of, policy.surge.window_days).set_index("customer_id").reindex(ids).fillna(0)
    lc = policy.lifecycle
    life = lifecycle(first_last["last_order_date"], as_of, active_days=lc.active_days, churn_days=lc.churn_days)
    new = is_new(first_last["first_order_date"], as_of - dt.timedelta(days=PULSE_NEW_DAYS - 1), as_of)
    days = days_since(first_last["last_order_date"], as_of)
    sg = policy.surge
    s_up, s_down = surge_plunge(surge["cur_sales_fen"].astype("int64"), surge["prev_sales_fen"].astype("int64"),
                                up=sg.up, down=sg.down, min_base=cny_to_fen_cut(sg.min_base_amount))
    o_up, o_down = surge_plunge(surge["cur_orders"].astype("int64"), surge["prev_orders"].astype("int64"),
                                up=sg.up, down=sg.down, min_base=sg.min_base_orders)
    CustomerPulse.objects.all().delete()
    rows = zip(ids, [as_of] * len(ids), life, new, [None if pd.isna(d) else int(d) for d in days],
               s_up, s_down, o_up, o_down, strict=True)
    return bulk_insert(CustomerPulse, ["customer_id", "as_of", "lifecycle", "is_new", "days_since_last_order",
                                       "sales_surge", "sales_plunge", "orders_surge", "orders_plunge"], rows)
