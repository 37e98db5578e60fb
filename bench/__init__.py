"""Benchmarks (make bench): scripts run by path, and the benchmark-only SQL analytics' bench_snapshot reads."""
