"""Benchmarks (make bench): scripts run by path, and the benchmark-only SQL bench/snapshot.py reads."""
