"""Cross-sell (docs/analytics.md §3.8): pure engine and hold-out evaluation; GROUP BY data, a scoped selector on top."""
