"""Churn risk (docs/analytics.md §3.7): pure features, model and backtest; data, services and tasks on the Django
side."""
