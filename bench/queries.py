"""Queries per cockpit page, and the slowest of them: one request at a time through Django's test client.

    DATABASE_URL=postgres://... .venv/bin/python bench/queries.py [--user manager] [--top 5] [--repeat 3] [--cpu N]
        [--uncached] [URL ...]

For finding N+1s and slow SQL behind a page (bench/load.py says how slow; this says why). Uses the settings in
DJANGO_SETTINGS_MODULE (default config.settings.local) against DATABASE_URL; logs the user in directly.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

DEFAULT = ["/", "/customers/?grade=A&sort=-sales", "/customers/{code}/", "/api/v1/snapshots/?grade=B&ordering=-sales"]


def cpu_per_request(client: Client, url: str, codes: list[str], requests: int) -> float:
    """Process CPU (app only: PostgreSQL's is another process) per request of `url`, best of 3 rounds, in ms."""
    urls = [url.format(code=codes[i % len(codes)]) for i in range(requests)]
    for warm in urls[:10]:
        client.get(warm)
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for each in urls:
            client.get(each)
        best = min(best, (time.process_time() - started) / requests * 1000)
    return best


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("urls", nargs="*", default=DEFAULT)
    parser.add_argument("--user", default="manager")
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, help="cProfile one more request; print N top functions")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest query of each page")
    parser.add_argument("--cpu", type=int, default=0,
                        help="also: this process's CPU per request over N requests ({code} rotating through "
                             "the 50 biggest customers), best of 3; steadier than wall time on a shared machine")
    parser.add_argument("--uncached", action="store_true",
                        help="a cache that keeps nothing: every request is a page's first view (no cached fragments)")
    args = parser.parse_args()
    if args.uncached:
        override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}).enable()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=args.user))
    codes = [r["code"] for r in client.get("/api/v1/snapshots/?ordering=-sales&page_size=50").json()["results"]]
    for url in args.urls:
        if args.cpu:
            print(f"{url}: {cpu_per_request(client, url, codes, args.cpu):.2f} ms of this process's CPU per request "
                  f"(best of 3 x {args.cpu})")
        url = url.format(code=codes[0])
        best, captured = float("inf"), None
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url)
                seconds = time.perf_counter() - started
            if seconds < best:
                best, captured = seconds, ctx.captured_queries
        assert captured is not None
        sql_ms = sum(float(q["time"]) for q in captured) * 1000
        print(f"{url}: HTTP {response.status_code}, best {best * 1000:.0f} ms, {len(captured)} queries "
              f"taking {sql_ms:.0f} ms")
        for q in sorted(captured, key=lambda q: -float(q["time"]))[: args.top]:
            print(f"    {float(q['time']) * 1000:7.1f} ms  {q['sql'][:220]}")
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            client.get(url)
            profiler.disable()
            pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "tottime")).print_stats(args.profile)
        slowest = max(captured, key=lambda q: float(q["time"]))
        if args.explain and slowest["sql"].lstrip().upper().startswith("SELECT"):
            print(slowest["sql"])
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
                print("\n".join("      " + r[0] for r in cursor.fetchall()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
