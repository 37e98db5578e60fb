"""Fill a period's churn_risk column from the winning churn model (DESIGN 3.7), after the snapshot commits.

Kept apart from the snapshot's own transaction: scoring is model work, not the snapshot's aggregation, and a
period with no winning model simply keeps a blank column. Deterministic, so a re-run gives the same values.
"""

import datetime as dt

from django.db import connection, transaction

from analytics.churn.services import churn_risk_scores
from analytics.models import CustomerSnapshot
from analytics.periods import month_end


@transaction.atomic
def snapshot_churn_fill(*, period: dt.date) -> int:
    """Write churn_risk (0..1, 4 decimals) into `period`'s rows; returns how many got a score."""
    rows = list(CustomerSnapshot.objects.filter(period=period).values_list("id", "customer_id"))
    if not rows:
        return 0
    scores = churn_risk_scores(as_of=month_end(period), customer_ids=[cid for _, cid in rows])
    CustomerSnapshot.objects.filter(period=period).exclude(churn_risk=None).update(churn_risk=None)
    if scores is None:
        return 0
    known = scores.dropna()
    values = [(pk, round(float(known[cid]), 4)) for pk, cid in rows if cid in known.index]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for start in range(0, len(values), 10000):
                chunk = values[start:start + 10000]
                placeholders = ", ".join(["(%s, %s)"] * len(chunk))
                # The period confines the update to the period's partition (analytics/partitions.py).
                cursor.execute(
                    "UPDATE analytics_customersnapshot AS s SET churn_risk = v.r FROM (VALUES "  # noqa: S608
                    + placeholders + ") AS v(id, r) WHERE s.period = %s AND s.id = v.id",
                    [x for pair in chunk for x in pair] + [period],
                )
    else:
        objs = [CustomerSnapshot(id=pk, churn_risk=risk) for pk, risk in values]
        CustomerSnapshot.objects.bulk_update(objs, ["churn_risk"], batch_size=2000)
    return len(values)
