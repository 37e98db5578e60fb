"""What sales tells the apps above it (analytics), which it must not import (tests/test_layers.py)."""

from django.dispatch import Signal

# Sent inside an import's transaction once its rows are written: `periods` ('YYYY-MM') whose sales, payments or
# visits changed, `reason` for the log. Analytics marks the computed ones stale and schedules their recompute.
periods_changed = Signal()
