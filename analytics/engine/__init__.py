"""Pure analytics engine of the cockpit: docs/analytics.md §3, each definition once.

No Django import anywhere in this package (a test asserts it). The as-of date T and the period P are passed
in; money is integer fen (int64); policy numbers are Decimal and every comparison with a cut is exact.
"""
