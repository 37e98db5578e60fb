"""The dashboard (/): a month at a glance, every number a link to the customers behind it."""

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from analytics.engine.policy import parse_policy
from analytics.models import PeriodSummary
from analytics.periods import add_months, fmt, period_or_none
from analytics.selectors import active_policy
from analytics.services.policies import policy_active
from analytics.worklist.outcomes import outcomes_period, worklist_outcomes
from cockpit import charts, labels
from cockpit.forms import DashboardForm
from cockpit.selectors import dashboard as sel
from cockpit.selectors.common import Scope, cache_key, cached, period_pick, periods_available
from customers.models import Customer
from customers.roles import user_role

# A closed period's figures change only with what their key names; the timeout only bounds the cache's size.
FIGURES_CACHE_SECONDS = 24 * 3600


def _list_url(base: dict[str, str], **filters: str) -> str:
    return reverse("cockpit:customer_list") + "?" + urlencode({**base, **filters})


# Tiles: (key, label, where the count is in a summary, list filter); `worse` when a rise is bad news.
_TILES = (
    ("active", gettext_lazy("Active"), ("lifecycle", "active"), {"lifecycle": "active"}, False),
    ("at_risk", gettext_lazy("About to churn"), ("lifecycle", "at_risk"), {"lifecycle": "at_risk"}, True),
    ("churned", gettext_lazy("Churned"), ("lifecycle", "churned"), {"lifecycle": "churned"}, True),
    ("never", gettext_lazy("Never bought"), ("lifecycle", "never"), {"lifecycle": "never"}, True),
    ("is_new", gettext_lazy("New this month"), ("flags", "is_new"), {"flag": "is_new"}, False),
    ("sales_surge", gettext_lazy("Sales surge"), ("flags", "sales_surge"), {"flag": "sales_surge"}, False),
    ("sales_plunge", gettext_lazy("Sales plunge"), ("flags", "sales_plunge"), {"flag": "sales_plunge"}, True),
    ("orders_surge", gettext_lazy("Orders surge"), ("flags", "orders_surge"), {"flag": "orders_surge"}, False),
    ("orders_plunge", gettext_lazy("Orders plunge"), ("flags", "orders_plunge"), {"flag": "orders_plunge"}, True),
)


def _tile_count(summary: dict[str, Any], where: tuple[str, str]) -> int:
    part, key = where
    cell = summary[part][key]
    return int(cell["customers"] if isinstance(cell, dict) else cell)


def _tiles(summary: dict[str, Any], base: dict[str, str], previous: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The tiles with their change against last month (None when last month was not computed)."""
    tiles = []
    for key, label, where, filters, worse in _TILES:
        value = _tile_count(summary, where)
        change = None if previous is None else value - _tile_count(previous, where)
        tone = "" if not change else ("worse" if (change > 0) == worse else "better")
        tiles.append({"key": key, "label": str(label), "value": value, "url": _list_url(base, **filters),
                      "change": change, "tone": tone})
    return tiles


def _pulse_links(scope: Scope, latest: dt.date | None) -> dict[str, str]:
    """Each month-to-date number links to the latest closed month's list filtered by today's pulse state."""
    if latest is None:
        return {}
    base = {"period": fmt(latest)}
    if scope.region:
        base["region"] = str(scope.region.pk)
    if scope.salesperson:
        base["salesperson"] = str(scope.salesperson.pk)
    return {key: _list_url(base, pulse=key) for key in (*sel.LIFECYCLES, *sel.FLAGS)}


def _matrix(summary: dict[str, Any], base: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for prev in (*sel.GRADES, "none"):
        cells = []
        for cur in sel.GRADES:
            n = summary["transitions"].get(prev, {}).get(cur, 0)
            move = "same" if prev == cur else ("" if prev == "none" else ("up" if prev > cur else "down"))
            url = _list_url(base, previous_grade=prev, computed_grade=cur)
            cells.append({"grade": cur, "n": n, "url": url, "move": move})
        rows.append({"previous": prev, "cells": cells})
    return rows


def _trends(rows: list[dict[str, Any]], drop: Decimal, base: dict[str, str]) -> list[dict[str, Any]]:
    spec = (("buying_customers", _("Buying customers"), False), ("sales_fen", _("Sales"), True),
            ("avg_order_value_fen", _("Average order value"), True))
    # A month's point opens that month's buying customers (net sales > 0, docs/analytics.md §3.5): the customers behind
    # all three figures.
    links = [_list_url({**base, "period": r["month"]}, sales_min="0.01") for r in rows]
    return [{"id": f"trend-{m}", "figure": charts.trend(rows, m, t, money=money, drop=drop, links=links)}
            for m, t, money in spec]


def _period_figures(scope: Scope, period: dt.date, base: dict[str, str]) -> dict[str, Any]:
    """Everything the dashboard shows of a closed period that depends only on its snapshot (and the trend's)."""
    stored = PeriodSummary.objects.filter(period=period).select_related("policy").first()
    policy_row = stored.policy if stored else policy_active()
    drop = parse_policy(policy_row.data).control.drop
    grade_labels = labels.grade_labels()
    summary = sel.summary_for(scope, period, stored)
    before = add_months(period, -1)
    stored_before = PeriodSummary.objects.filter(period=before).first()
    previous = sel.summary_for(scope, before, stored_before) if stored_before else None
    company = scope.company_wide()
    trend = sel.trend_company(period) if company else sel.trend_grouped(scope, period, policy_row)
    grades = sel.grade_rows(summary, grade_labels)
    links = {g: _list_url(base, grade=g) for g in sel.GRADES}
    current = trend[-1] if trend and trend[-1].get("month") == fmt(period) else None
    return {
        "stored": stored, "summary": summary, "sales": sel.fen_to_yuan(summary["sales_fen"]),
        "tiles": _tiles(summary, base, previous), "previous_period": before if previous else None,
        "grades": grades, "matrix": _matrix(summary, base),
        "grade_figure": charts.grade_pareto(grades, links), "grade_links": links,
        "trends": _trends(trend, drop, base) if trend else [], "control": sel.control_cards(current, drop),
        "drop": drop, "mover_ids": sel.top_movers(scope, period), "grade_labels": grade_labels,
        "list_url": _list_url(base),
    }


def _figures_key(scope: Scope, period: dt.date, base: dict[str, str], members: str) -> str:
    """What _period_figures depends on: the snapshot runs it reads, the scope's customers as they are now, the
    active policy (grade labels), the filter and the language; the release prefixes every cache key
    (settings.RELEASE). A recompute, a reassignment or a new customer in the scope gives a new key; nothing else
    changes a closed period's figures."""
    return cache_key("dashboard", sel.periods_version(period), members, user_role(scope.user),
                     str(scope.rule()), sorted(base.items()), active_policy().pk, get_language())


def _period_context(scope: Scope, period: dt.date, base: dict[str, str], members: str) -> dict[str, Any]:
    key = _figures_key(scope, period, base, members)
    figures = cached(key, lambda: _period_figures(scope, period, base), FIGURES_CACHE_SECONDS)
    movers = sel.movers_rows(period, figures["mover_ids"])
    if len(movers) < len(figures["mover_ids"]):  # a merge deleted a picked row since: pick among those left
        movers = sel.movers_rows(period, sel.top_movers(scope, period))
    return {**figures, "movers": movers, "first_month": sel.first_order_month() == period,
            # the page's sections made of these figures only are cached as HTML under the same key
            "figures_key": key, "figures_timeout": FIGURES_CACHE_SECONDS}


def dashboard(request: HttpRequest) -> HttpResponse:
    """Tiles, grade distribution, transitions, trends with control alerts, top movers and the pulse."""
    periods = periods_available()
    form = DashboardForm(request.GET, user=request.user, periods=periods)
    scope = form.scope()
    members = sel.scope_members(scope)  # which customers the scope sees now: part of every cache key below
    period = period_pick(request.GET.get("period"), periods)
    context: dict[str, Any] = {
        "nav": "dashboard", "form": form, "period": period, "scope": scope,
        "pulse": sel.pulse(scope, members), "pulse_links": _pulse_links(scope, periods[0] if periods else None),
        # Only "are there any?" (the empty state): the scope's rule is customer_list's, and exists() stops at one.
        "counts": {"customers": Customer.objects.filter(scope.rule()).exists()},
    }
    if period is not None:
        base = {"period": fmt(period)}
        if scope.region:
            base["region"] = str(scope.region.pk)
        if scope.salesperson:
            base["salesperson"] = str(scope.salesperson.pk)
        context.update(_period_context(scope, period, base, members))
    return render(request, "cockpit/dashboard.html", context)


OUTCOMES_CACHE_SECONDS = 10 * 60


def dashboard_outcomes(request: HttpRequest) -> HttpResponse:
    """The win-back panel (issue 8 item 3), loaded by htmx after the dashboard: it scans a period's visits,
    coupons and orders, so it must not hold up the page. Cached ten minutes per user: its inputs are visits and
    orders of a closed window, which change slowly, and the snapshots, whose newest run is part of the key, so
    while a fresh install computes its months the panel follows the newest finished window at once (it showed
    2025-04 for ten minutes after the fill)."""
    today = timezone.localdate()
    newest_run = PeriodSummary.objects.aggregate(newest=Max("run_id"))["newest"]
    # The dashboard's month bounds the panel's: it compares what followed a month at or before the one shown, not a
    # later month computed since the page was drawn (a first fill computes about one a second).
    until = period_or_none(request.GET.get("period"))
    key = cache_key("outcomes", request.user.pk, today.isoformat(), newest_run, until)

    def compute() -> Any:
        period = outcomes_period(today=today, until=until)
        return worklist_outcomes(user=request.user, period=period, today=today) if period else False

    outcomes = cached(key, compute, OUTCOMES_CACHE_SECONDS)
    template = "worklist/_outcomes.html" if getattr(request, "htmx", False) else "cockpit/outcomes.html"
    return render(request, template, {"outcomes": outcomes or None, "nav": "dashboard"})
