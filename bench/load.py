"""A light load generator for the cockpit pages on loopback (BENCHMARKS.md, Targets: p95 <= 150 ms with 8
concurrent clients).

    python bench/load.py --base http://127.0.0.1:8765 [--clients 8] [--requests 200] [--warmup 16] [--json out.json]

Logs in through the real login form (CSRF token and session cookie), then for each page in turn runs a warm-up
and `--requests` requests spread over `--clients` threads, each with its own keep-alive http.client connection
(reconnecting when the server closes it), no think time: a closed loop, the hardest reading of "8 concurrent
clients". Pages whose URL varies (profiles of many customers, several list filters) rotate through their
variants so no single response is served from a warm row.

Prints p50 / p95 / max per page, requests per second, and this process's own CPU time (resource.getrusage),
since the generator shares the machine's cores with the server and PostgreSQL. Standard library only.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

# The pages BENCHMARKS.md (Targets) names; {code} is filled with customer codes read from the API (the biggest
# customers of the period, the heaviest profiles). Parameter names are cockpit/filters.py's and analytics/filters.py's.
PAGES: dict[str, list[str]] = {
    "dashboard": ["/"],
    "list (50 rows, filtered, sorted)": [
        "/customers/?grade=A&sort=-sales",
        "/customers/?grade=B&sort=-mom",
        "/customers/?lifecycle=at_risk&sort=-receivable",
        "/customers/?grade=C&flag=sales_plunge&sort=last_order",
    ],
    "profile": ["/customers/{code}/"],
    "snapshot API page": [
        "/api/v1/snapshots/?grade=B&ordering=-sales",
        "/api/v1/snapshots/?grade=A&ordering=-mom_growth",
        "/api/v1/snapshots/?lifecycle=at_risk&ordering=-receivable",
    ],
}


def proc_cpu(pid: int) -> float:
    """utime + stime of a process from /proc (Linux), seconds; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pids(master: int | None, database: str | None) -> dict[str, list[int]]:
    """The gunicorn workers (children of `master`) and the client backends on `database` (not autovacuum)."""
    out: dict[str, list[int]] = {"app": [], "db": []}
    if master:
        with contextlib.suppress(OSError):
            with open(f"/proc/{master}/task/{master}/children", encoding="ascii") as fh:
                out["app"] = [int(p) for p in fh.read().split()]
    if database:
        sql = ("select pid from pg_stat_activity where datname = :'db' and backend_type = 'client backend' "
               "and pid <> pg_backend_pid()")
        done = subprocess.run(  # noqa: S603 - psql with a bound variable, no shell
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Aqt", "-v", f"db={database}"],  # noqa: S607
            input=sql, capture_output=True, text=True, check=False)
        out["db"] = [int(p) for p in done.stdout.split()]
    return out


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Client:
    """One keep-alive connection with the session cookie."""

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        sent = {"Host": f"{self.host}:{self.port}", "Accept-Encoding": "identity", "Connection": "keep-alive",
                **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A sync gunicorn worker closes after each response; reconnect once and resend.
                self.conn.close()
                if attempt == 2:
                    raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def login(base: str, username: str, password: str) -> dict[str, str]:
    """The session and CSRF cookies of a real login through /accounts/login/."""
    url = urllib.parse.urlsplit(base)
    client = Client(url.hostname or "127.0.0.1", url.port or 80)
    status, _, page = client.request("GET", "/accounts/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or token is None:
        raise SystemExit(f"login page: HTTP {status}, no CSRF token")
    form = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrfmiddlewaretoken": token.group(1).decode(), "next": "/"}).encode()
    status, headers, _ = client.request("POST", "/accounts/login/", form, {
        "Content-Type": "application/x-www-form-urlencoded", "Referer": f"{base}/accounts/login/"})
    if status != 302 or "sessionid" not in client.cookies:
        raise SystemExit(f"login as {username}: HTTP {status}, no session (throttled or wrong password?)")
    return dict(client.cookies)


def top_codes(base: str, cookies: dict[str, str], n: int) -> list[str]:
    """Codes of the period's biggest customers (the heaviest profiles), read through the API."""
    url = urllib.parse.urlsplit(base)
    client = Client(url.hostname or "127.0.0.1", url.port or 80, dict(cookies))
    status, _, body = client.request("GET", f"/api/v1/snapshots/?ordering=-sales&page_size={n}")
    if status != 200:
        raise SystemExit(f"/api/v1/snapshots/: HTTP {status}")
    return [row["code"] for row in json.loads(body)["results"]]


def run_page(base: str, cookies: dict[str, str], paths: list[str], *, clients: int, requests: int,
             warmup: int, master: int | None = None, database: str | None = None) -> dict[str, object]:
    """`warmup` then `requests` GETs of `paths` (rotating) over `clients` threads; latencies in ms."""
    url = urllib.parse.urlsplit(base)
    lock = threading.Lock()
    rotation = itertools.cycle(paths)
    latencies: list[float] = []
    errors: list[str] = []
    sizes: list[int] = []

    def worker(todo: int, record: bool) -> None:
        client = Client(url.hostname or "127.0.0.1", url.port or 80, dict(cookies))
        for _ in range(todo):
            with lock:
                path = next(rotation)
            started = time.perf_counter()
            try:
                status, _, body = client.request("GET", path)
            except OSError as exc:
                with lock:
                    errors.append(f"{path}: {exc}")
                continue
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if status != 200:
                    errors.append(f"{path}: HTTP {status}")
                elif record:
                    latencies.append(elapsed)
                    sizes.append(len(body))
        client.conn.close()

    def wave(total: int, record: bool) -> float:
        share = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]
        threads = [threading.Thread(target=worker, args=(n, record)) for n in share]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - started

    wave(warmup, record=False)
    before = {k: {p: proc_cpu(p) for p in v} for k, v in server_pids(master, database).items()}
    load_before, cpu_before = os.getloadavg()[0], cpu_seconds()
    seconds = wave(requests, record=True)
    cpu = cpu_seconds() - cpu_before
    # Per process: a backend that came after the warm-up counts whole; one that left (DB_CONN_MAX_AGE) is missed.
    server = {k: sum(proc_cpu(p) - before[k].get(p, 0.0) for p in v) for k, v in server_pids(master, database).items()}
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))] if ordered else 0.0

    return {
        "requests": len(ordered), "errors": errors[:5], "error_count": len(errors),
        "p50_ms": round(pct(50), 1), "p95_ms": round(pct(95), 1), "max_ms": round(ordered[-1], 1) if ordered else 0,
        "mean_ms": round(statistics.fmean(ordered), 1) if ordered else 0, "rps": round(len(ordered) / seconds, 1),
        "seconds": round(seconds, 2), "generator_cpu_s": round(cpu, 2), "avg_kb": round(statistics.fmean(sizes) / 1024)
        if sizes else 0, "load_1min": round(max(load_before, os.getloadavg()[0]), 2),
        "variants": len(paths),
        # CPU per measured request in the server's processes (a lower bound: processes that exited are missed).
        "app_cpu_ms": round(1000 * server["app"] / max(len(ordered), 1), 1) if master else None,
        "db_cpu_ms": round(1000 * server["db"] / max(len(ordered), 1), 1) if database else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8765")
    parser.add_argument("--user", default="manager")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=16, help="unmeasured requests per page first")
    parser.add_argument("--pages", default="", help="comma-separated substrings of page names (default: all)")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--server-pid", type=int, help="gunicorn master pid: report its workers' CPU per request")
    parser.add_argument("--database", help="PostgreSQL database: report its backends' CPU per request")
    args = parser.parse_args(argv)

    cpu_start, wall_start = cpu_seconds(), time.perf_counter()
    cookies = login(args.base, args.user, args.password)
    codes = top_codes(args.base, cookies, 200)
    wanted = [w.strip() for w in args.pages.split(",") if w.strip()]
    results: dict[str, dict[str, object]] = {}
    for name, templates in PAGES.items():
        if wanted and not any(w in name for w in wanted):
            continue
        paths = [t.format(code=urllib.parse.quote(c)) for t in templates for c in (codes if "{code}" in t else [""])]
        results[name] = run_page(args.base, cookies, paths, clients=args.clients, requests=args.requests,
                                 warmup=args.warmup, master=args.server_pid, database=args.database)
        r = results[name]
        print(f"{name:<34} p50 {r['p50_ms']:>7.1f} ms  p95 {r['p95_ms']:>7.1f} ms  max {r['max_ms']:>7.1f} ms  "
              f"{r['rps']:>6.1f} req/s  {r['avg_kb']:>4} KB  generator CPU {r['generator_cpu_s']:.2f} s  "
              f"load {r['load_1min']:.2f}  errors {r['error_count']}"
              + (f"  server CPU/req app {r['app_cpu_ms']} ms db {r['db_cpu_ms']} ms" if args.server_pid else ""),
              flush=True)
        for err in r["errors"]:  # type: ignore[attr-defined]
            print(f"    {err}", file=sys.stderr)
    summary = {"user": args.user, "clients": args.clients, "requests_per_page": args.requests,
               "generator_cpu_s": round(cpu_seconds() - cpu_start, 2),
               "wall_s": round(time.perf_counter() - wall_start, 1), "pages": results}
    print(f"generator: {summary['generator_cpu_s']} s CPU over {summary['wall_s']} s wall "
          f"({100 * summary['generator_cpu_s'] / max(summary['wall_s'], 1e-9):.0f}% of one core)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(summary, fh, indent=2)
    return 1 if any(r["error_count"] for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
