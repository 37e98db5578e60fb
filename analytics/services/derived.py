"""What is derived from a period's snapshot, and how each is kept right: the dependency list, in one place.

As Zulip's analytics declares each stat's dependencies and fills them in order, every figure derived from a
monthly snapshot P is declared here once, with what it depends on and how to refresh it. The writers name what
they changed and the registry refreshes everything downstream of it, in order:

- `snapshot_compute` (every path that computes a period: the task, the fill and stale sweeps, the commands, the
  editor's recompute) changed "snapshot";
- a churn model trained (or any model change) changed "churn_model" of the periods it is now in force for;
- a manual override rewrote the grades and actions of "override" rows (analytics/services/overrides.py).

A derived figure whose refresh is None is read from the rows at request time (the worklist, the outcomes): it is
right as soon as the rows are, and is declared so that what depends on it (the caches) follows. Adding a derived
figure is one `Derived(...)` in DERIVED; no writer changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd

# What a writer may say it changed (the roots of the graph).
SOURCES = ("snapshot", "churn_model", "override")


def _always(period: dt.date) -> bool:
    return True


@dataclass(frozen=True)
class Derived:
    """A figure derived from a period P: what it depends on (SOURCES or other names) and how to refresh it."""

    name: str
    depends_on: tuple[str, ...]
    # Brings it up to date for P once what it depends on changed; None: read from the rows at request time.
    refresh: Callable[[dt.date], Any] | None = None
    # Columns of P's rows that snapshot_compute writes with them (cheaper than writing the rows twice): a frame
    # indexed by customer id with one column per name in `stored_as`, or None for blank columns. A recompute then
    # needs no separate refresh of them.
    column: Callable[[dt.date, list[int]], pd.DataFrame | None] | None = None
    stored_as: tuple[str, ...] = ()  # the snapshot columns `column` fills
    applies: Callable[[dt.date], bool] = _always  # for which periods it exists at all


def _churn_columns(period: dt.date, customer_ids: list[int]) -> pd.DataFrame | None:
    from .churn_fill import churn_columns

    return churn_columns(period=period, customer_ids=customer_ids)


def _churn_refresh(period: dt.date) -> int:
    from .churn_fill import snapshot_churn_fill

    return snapshot_churn_fill(period=period)


def _is_latest_closed(period: dt.date) -> bool:
    from analytics.periods import last_closed_period

    return period == last_closed_period()


def _pulse_refresh(period: dt.date) -> str:
    """The month under way's pulse, under the policy the latest period was just computed with: queued once the
    period commits (the daily task; every customer's row is rewritten, seconds that the period's lock need not
    wait for)."""
    from django.db import transaction

    from analytics.tasks import daily_pulse

    transaction.on_commit(lambda: daily_pulse.delay())
    return "queued"


def _caches_refresh(period: dt.date) -> int:
    """Move P's version: every cached count, page and dashboard figure of P is keyed by it (config: the cache)."""
    from analytics.snapshot_version import version_bump

    return version_bump(period)


DERIVED: list[Derived] = [
    # churn_risk and churn_reasons: the model in force at P's T scores P's rows (analytics/services/churn_fill.py).
    Derived("churn_scores", ("snapshot", "churn_model"), refresh=_churn_refresh, column=_churn_columns,
            stored_as=("churn_risk", "churn_reasons")),
    # The dashboard's month-to-date pulse follows the latest closed period's policy.
    Derived("pulse", ("snapshot",), refresh=_pulse_refresh, applies=_is_latest_closed),
    # Today's follow-ups (analytics/worklist/selectors.py): P's actions, ordered by churn risk.
    Derived("worklist", ("snapshot", "override", "churn_scores")),
    # Follow-up outcomes (analytics/worklist/outcomes.py): P's at-risk rows by grade and risk band.
    Derived("outcomes", ("snapshot", "override", "churn_scores")),
    # The list's counts and pages and the dashboard's figures of P (cockpit/selectors), keyed by P's version.
    Derived("caches", ("snapshot", "override", "churn_scores", "pulse", "worklist", "outcomes"),
            refresh=_caches_refresh),
]


def downstream(changed: str, registry: list[Derived] | None = None) -> list[Derived]:
    """Everything that depends on `changed`, directly or through another derived figure, in refresh order (a
    figure after everything it depends on; DERIVED's order otherwise). A circle in the registry is an error."""
    items = DERIVED if registry is None else registry
    by_name = {d.name: d for d in items}
    reached: dict[str, bool] = {}  # figure -> whether it depends on `changed`, once worked out
    ordered: list[Derived] = []

    def visit(item: Derived, path: tuple[str, ...] = ()) -> bool:
        # One depth-first walk: a figure's dependencies are worked out first, so one that depends on `changed`
        # is placed after every dependency that does (what changed is the writer's business, not a refresh).
        if item.name in reached:
            return reached[item.name]
        if item.name in path:
            raise ValueError(f"derived figures depend on each other in a circle: {' -> '.join((*path, item.name))}")
        hit = False
        for name in item.depends_on:
            reaches = visit(by_name[name], (*path, item.name)) if name in by_name else False
            hit = hit or reaches or name == changed
        reached[item.name] = hit
        if hit and item.name != changed:
            ordered.append(item)
        return hit

    for item in items:
        visit(item)
    return ordered


def derived_columns(period: dt.date, customer_ids: list[int]) -> dict[str, pd.Series | None]:
    """The derived columns snapshot_compute writes with P's rows: snapshot column -> values per customer id
    (None: blank)."""
    out: dict[str, pd.Series | None] = {}
    for item in DERIVED:
        if item.column is None or not item.applies(period):
            continue
        frame = item.column(period, customer_ids)
        out.update({name: None if frame is None else frame[name] for name in item.stored_as})
    return out


def derived_written() -> frozenset[str]:
    """The derived figures snapshot_compute writes with the rows themselves (no refresh after a recompute)."""
    return frozenset(d.name for d in DERIVED if d.column is not None)


def derived_refresh(period: dt.date, *, changed: str, written: frozenset[str] | set[str] = frozenset()
                    ) -> dict[str, Any]:
    """Refresh, in order, everything derived from P downstream of `changed` (a SOURCES name or a derived figure),
    but what the writer already wrote (`written`). Returns name -> what each refresh returned (None: read live)."""
    if changed not in SOURCES and changed not in {d.name for d in DERIVED}:
        raise ValueError(f"nothing is derived from {changed!r}")
    done: dict[str, Any] = {}
    for item in downstream(changed):
        if item.name in written or not item.applies(period):
            continue
        done[item.name] = item.refresh(period) if item.refresh is not None else None
    return done


@contextmanager
def registered(item: Derived) -> Iterator[Derived]:
    """`item` in the registry for the length of the block (tests; a plug-in would append to DERIVED once)."""
    DERIVED.append(item)
    try:
        yield item
    finally:
        DERIVED.remove(item)
