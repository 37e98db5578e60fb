"""What customers tells the apps above it (analytics, coupons), which it must not import (tests/test_layers.py).

Every signal is sent inside the service's transaction: a receiver's writes commit or roll back with the change,
and an exception a receiver raises (`send`, not `send_robust`) undoes all of it.
"""

from django.dispatch import Signal

# Sent by customers_merge before the merged customer's rows move to the survivor, with `survivor`, `merged` and
# `report` (a MergeReport). A receiver handles the rows of its app that must not simply move (derived rows
# are deleted, clashing coupons dropped) and writes what it did into the report.
customer_merging = Signal()

# Sent after a customer's manual grade override is set or cleared, with `customer`. A receiver shows the override
# in its stored rows at once and returns the periods it changed (a list of dates).
customer_override_changed = Signal()
