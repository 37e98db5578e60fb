"""Shared fixtures: users for each role, a small two-region book, and service availability checks."""

import os
import socket
from urllib.parse import urlparse

import pytest
from django.db import connection

from core.processes import processes_stop
from tests.factories import CustomerFactory, RegionFactory, SalespersonFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def service_missing(reason: str) -> None:
    """Skip with the reason, or fail when CI demands the real services (REQUIRE_SERVICES=1)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


def xdist_worker_index() -> int:
    """0 for a plain run or xdist's first worker (gw0), 1 for gw1, ..."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))


def redis_url() -> str:
    """TEST_REDIS_URL's database for a plain run; under xdist each worker takes its own, counting down from it.

    Tests flush their database and run real workers on its default queue: two xdist workers sharing one would
    take each other's tasks and wipe each other's queues. TEST_REDIS_URL=.../15 gives gw0 15, gw1 14, and so on.
    """
    parsed = urlparse(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    base = int(parsed.path.strip("/") or 0)
    index = xdist_worker_index()
    if index > base:
        raise RuntimeError(f"xdist worker gw{index} has no Redis database below TEST_REDIS_URL's {base}: "
                           "use fewer workers (-n) or a higher base database")
    return parsed._replace(path=f"/{base - index}").geturl()


def redis_available(url: str | None = None) -> bool:
    parsed = urlparse(url or redis_url())
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


# `make test` runs the suite on xdist workers (-n 2 --dist loadgroup --no-loadscope-reorder): each work unit is one
# test, or every test of one xdist_group, handed out in collection order. A module-scoped fixture (the security
# world, a browser) would be built again on every worker its tests land on, and again each time a worker comes back
# to the module, so such a module's tests are one unit. The long units go first, so the workers finish together on
# short tests instead of one starting a crawl while the other has nothing left. pytest-django's order stays: tests
# in a transaction, then those that commit (they empty the database after them, data migrations' rows included),
# so a unit never mixes the two; tests without a database may run anywhere, and the long ones among them go first.
HEAVY_MARKERS = ("celery", "browser")


def _db_kind(item: pytest.Item) -> int:
    """0: in a rolled-back transaction, 1: commits (transactional_db, live_server), 2: no database."""
    from django.test import TestCase, TransactionTestCase

    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, TransactionTestCase):
        return 0 if issubclass(cls, TestCase) else 1
    fixtures = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    if (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
            or "transactional_db" in fixtures or "live_server" in fixtures):
        return 1
    return 0 if marker or "db" in fixtures else 2


def _module_scoped_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    return info is not None and any(defs and defs[-1].scope == "module" for defs in info.name2fixturedefs.values())


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::")[0]


AUTO_GROUP = pytest.StashKey[bool]()


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook turns xdist_group marks into work units
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("xdist_group") is None and _module_scoped_fixture(item):
            item.add_marker(pytest.mark.xdist_group(f"{_module(item)}:{_db_kind(item)}"))
            item.stash[AUTO_GROUP] = True


class LongUnitsFirst:
    """Reorders after pytest-django has (trylast), keeping its order of database kinds."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        rank: dict[tuple[str, int], int] = {}  # 0: a named xdist_group (the crawl, the stack), 1: other long units
        for item in items:
            key = (_module(item), _db_kind(item))
            if item.get_closest_marker("xdist_group") and not item.stash.get(AUTO_GROUP, False):
                rank[key] = 0
            elif item.stash.get(AUTO_GROUP, False) or any(item.get_closest_marker(m) for m in HEAVY_MARKERS):
                rank[key] = min(rank.get(key, 1), 1)

        def order(item: pytest.Item) -> tuple[int, int]:
            kind = _db_kind(item)
            heavy = rank.get((_module(item), kind), 2)
            if heavy == 0 and kind != 1:
                return (-2, kind)  # the crawl (rolled back) first, then the embedded stack (no database)
            return (-1 if kind == 2 and heavy < 2 else kind, heavy)

        items.sort(key=order)  # stable: each module's tests stay in their order


def pytest_configure(config):
    config.pluginmanager.register(LongUnitsFirst(), "long-units-first")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: what one test cached must never answer the next one's request."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _joining_results_allowed():
    """The test process is a client of its tasks, never a worker, so a test may join a result (`.get()`).

    Celery keeps "joining would block a worker" in one process-wide flag, and every eager `.delay()` sets it for the
    task's run and puts back what it found. Two eager calls overlapping in threads (the live server's request
    threads, the concurrency tests) can put back each other's True and leave it set for the rest of the session:
    CI then failed a later test's `.delay().get()` with "Never call result.get() within a task" that passed alone.
    """
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _service_markers(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: set DATABASE_URL=postgres://...")
    if request.node.get_closest_marker("redis") and not redis_available():
        service_missing(f"needs Redis at {redis_url()}")


@pytest.fixture
def regions(db):
    south = RegionFactory(name="广东")
    gz = RegionFactory(name="广州", parent=south)
    north = RegionFactory(name="北京")
    return {"south": south, "gz": gz, "north": north}


@pytest.fixture
def book(db, regions):
    """Two salespeople, two regions, four customers: the smallest book that shows every scoping rule."""
    sp1 = SalespersonFactory(name="张三", user=UserFactory(username="sales1", role="salesperson"))
    sp2 = SalespersonFactory(name="李四", user=UserFactory(username="sales2", role="salesperson"))
    customers = {
        "c1": CustomerFactory(code="00101", name="天河便利店", owner=sp1, region=regions["gz"]),
        "c2": CustomerFactory(code="00102", name="越秀超市", owner=sp1, region=regions["south"]),
        "c3": CustomerFactory(code="00201", name="朝阳批发", owner=sp2, region=regions["north"]),
        "c4": CustomerFactory(code="00202", name="海淀小卖部", owner=sp2, region=regions["gz"]),
    }
    return {"sp1": sp1, "sp2": sp2, **customers}


@pytest.fixture
def admin_user(db):
    return UserFactory(username="boss", role="admin")


@pytest.fixture
def manager_user(db):
    return UserFactory(username="manager", role="manager", company_wide=True)


@pytest.fixture
def south_manager(db, regions):
    from customers.models import ManagerRegion

    user = UserFactory(username="south_mgr", role="manager")
    ManagerRegion.objects.create(user=user, region=regions["south"])
    return user


def database_url_for_subprocess() -> str:
    """The URL of the database this test runs on, for a worker started as another process (PostgreSQL only)."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real `celery worker` process on the test Redis and the test database; yields a client app for send_task.

    Needs PostgreSQL (the worker is another process and must see committed rows) and Redis.
    """
    import subprocess
    import sys
    import time
    from pathlib import Path

    from celery import Celery

    if connection.vendor != "postgresql":
        service_missing("a real Celery worker needs PostgreSQL: set DATABASE_URL=postgres://...")
    if not redis_available():
        service_missing(f"a real Celery worker needs Redis at {redis_url()}")
    import redis

    redis.Redis.from_url(redis_url()).flushdb()
    env = {**os.environ, "DATABASE_URL": database_url_for_subprocess(), "REDIS_URL": redis_url(),
           "DJANGO_SETTINGS_MODULE": "config.settings.test", "CELERY_WORKER": "1"}
    log = tmp_path / "worker.log"
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(  # noqa: S603 - our own worker, fixed arguments
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info"],
        cwd=root, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    # A separate client app: send_task by name to the worker, without touching the project's eager app.
    app = Celery("test-client", broker=redis_url(), backend=redis_url(), set_as_current=False)
    app.conf.broker_transport_options = {"visibility_timeout": 7200}
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text() and time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"celery worker exited: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        app.worker_log = log  # type: ignore[attr-defined]
        yield app
    finally:
        processes_stop([proc], timeout=20)
        app.close()
