"""Plotly figures built in Python; templates pass them as JSON (json_script) to static/cockpit/charts.js.

No inline script and no CDN: the strict Content-Security-Policy holds and offline intranets work. A point whose
customdata is a URL (starting with "/") is a link: clicking it opens the customers behind it.

Figures are built as plain dicts (_Figure): going through plotly's validators cost 10-70 ms per chart, most of
the dashboard's and the profile's CPU at the reference scale.
"""

import copy
import math
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

FONT = "system-ui, 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
BLUE, GREEN, RED, GREY, AMBER = "#0b5cad", "#137333", "#b3261e", "#6b7280", "#b06000"
GRADE_COLOURS = {"A": "#0b5cad", "B": "#3f7fc4", "C": "#7ea6d8", "D": "#b8c7db"}


def _layout(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "font": {"family": FONT, "size": 13, "color": "#1d2430"}, "margin": {"l": 56, "r": 56, "t": 36, "b": 40},
        "paper_bgcolor": "#fff", "plot_bgcolor": "#fff", "hovermode": "x unified",
        "legend": {"orientation": "h", "y": -0.2}, "height": 300,
        "xaxis": {"type": "category", "nticks": 8, "tickangle": 0, "automargin": True},
    }
    base.update(extra)
    return base


class _Figure:
    """The part of plotly's Figure these charts use, without its validators (milliseconds per trace).

    add_bar / add_scatter / update_layout give the same JSON as go.Figure(...).to_plotly_json() for the
    properties used here; with DEBUG on, _plain still has plotly validate every figure.
    """

    def __init__(self) -> None:
        self.data: list[dict[str, Any]] = []
        self.layout: dict[str, Any] = {}

    def add_bar(self, **trace: Any) -> None:
        self.data.append({**trace, "type": "bar"})

    def add_scatter(self, **trace: Any) -> None:
        self.data.append({**trace, "type": "scatter"})

    def update_layout(self, **layout: Any) -> None:
        self.layout.update(layout)


_NO_TEMPLATE = pio.templates["none"].to_plotly_json()


def _plain(fig: _Figure) -> dict[str, Any]:
    """Figure as plain data and layout (no template: the default one adds ~10 KB per chart)."""
    out = {"data": fig.data, "layout": {**fig.layout, "template": copy.deepcopy(_NO_TEMPLATE)}}
    if settings.DEBUG:
        go.Figure(out)  # a misspelt property fails loudly while developing
    return out


def _num(value: Any) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal | int | float) else None


def grade_pareto(rows: list[dict[str, Any]], links: dict[str, str]) -> dict[str, Any]:
    """Sales per grade (bars, with the customer count) and the cumulative share of sales (the Pareto curve)."""
    x = [f"{r['grade']} {r['label']}" for r in rows]
    fig = _Figure()
    fig.add_bar(
        x=x, y=[_num(r["sales"]) for r in rows], name=_("Sales"),
        marker={"color": [GRADE_COLOURS[r["grade"]] for r in rows]},
        text=[ngettext("%(n)s customer", "%(n)s customers", r["customers"]) % {"n": r["customers"]} for r in rows],
        textposition="outside", cliponaxis=False,
        customdata=[links[r["grade"]] for r in rows], hovertemplate="¥%{y:,.2f} · %{text}<extra></extra>",
    )
    fig.add_scatter(
        x=x, y=[None if r["cumulative_share"] is None else r["cumulative_share"] * 100 for r in rows],
        name=_("Cumulative share of sales"), yaxis="y2", mode="lines+markers", line={"color": AMBER},
        customdata=[links[r["grade"]] for r in rows], hovertemplate="%{y:.1f}%<extra></extra>",
    )
    fig.update_layout(**_layout(
        yaxis={"title": {"text": _("Sales (¥)")}, "tickformat": "~s", "rangemode": "tozero", "automargin": True},
        yaxis2={"title": {"text": _("Cumulative share")}, "overlaying": "y", "side": "right", "range": [0, 110],
                "tickvals": [0, 20, 40, 60, 80, 100], "ticksuffix": "%", "showgrid": False, "automargin": True},
        # The grade letter over its label, one word a line ("Important<br>customer"): short lines fit four bars
        # on a phone without angling, in English as in Chinese.
        hovermode="closest", xaxis={"type": "category", "automargin": True, "tickvals": x, "tickfont": {"size": 12},
                                    "ticktext": [f"{r['grade']}<br>{'<br>'.join(str(r['label']).split())}"
                                                 for r in rows]},
    ))
    return _plain(fig)


def trend(rows: list[dict[str, Any]], metric: str, title: str, *, money: bool, drop: Decimal,
          links: list[str] | None = None) -> dict[str, Any]:
    """One control metric over the months: the value, its baseline band, the same month last year, alerts.

    `links` (one URL per month): clicking a month's point opens the customers behind that month's figure."""
    months = [r["month"] for r in rows]
    scale = 100 if money else 1

    def series(key: str) -> list[float | None]:
        return [None if r.get(key) is None else float(r[key]) / scale for r in rows]

    value, base, last = series(metric), series(f"{metric}_baseline"), series(f"{metric}_last_year")
    cut = float(drop)
    fig = _Figure()
    fig.add_scatter(x=months, y=[None if b is None else b * (1 + cut) for b in base], mode="lines",
                    line={"width": 0}, hoverinfo="skip", showlegend=False)
    fig.add_scatter(x=months, y=[None if b is None else b * (1 - cut) for b in base], mode="lines",
                    line={"width": 0}, fill="tonexty", fillcolor="rgba(11,92,173,0.12)",
                    name=_("Baseline ±%(p)s%%") % {"p": f"{cut * 100:.0f}"}, hoverinfo="skip")
    fig.add_scatter(x=months, y=base, mode="lines", name=_("Baseline (previous 6 months)"),
                    line={"color": BLUE, "dash": "dot", "width": 1})
    fig.add_scatter(x=months, y=last, mode="lines", name=_("Same month last year"),
                    line={"color": GREY, "dash": "dash", "width": 1.5})
    fig.add_scatter(x=months, y=value, mode="lines+markers", name=title, line={"color": BLUE, "width": 2.5},
                    **({"customdata": links} if links else {}))
    alerts = [(m, v) for m, v, r in zip(months, value, rows, strict=True) if r.get(f"{metric}_alert")]
    if alerts:
        fig.add_scatter(x=[m for m, _v in alerts], y=[v for _m, v in alerts], mode="markers", name=_("Alert"),
                        marker={"color": RED, "size": 11, "symbol": "triangle-down"})
    yaxis: dict[str, Any] = {"tickformat": "~s", "rangemode": "tozero", "tickprefix": "¥" if money else "",
                             "automargin": True}
    if not money:  # a count of customers: whole-number ticks ("500m" for half a customer reads as nonsense)
        top = max([v for s in (value, base, last) for v in s if v is not None] or [0.0]) * (1 + cut)
        yaxis["dtick"] = max(1, math.ceil(top / 4))
    fig.update_layout(**_layout(
        title={"text": title, "x": 0, "font": {"size": 14}}, height=240, showlegend=False,
        margin={"l": 48, "r": 12, "t": 36, "b": 32},
        # Half a month of room at each end: a line's first month label sat on the y axis's "0" label.
        xaxis={"type": "category", "nticks": 8, "tickangle": 0, "automargin": True,
               "range": [-0.5, len(months) - 0.5]},
        yaxis=yaxis,
    ))
    return _plain(fig)


def monthly_sales(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A customer's sales (bars) and order count (line) per month."""
    months = [r["month"] for r in rows]
    fig = _Figure()
    fig.add_bar(x=months, y=[_num(r["sales"]) for r in rows], name=_("Sales"), marker={"color": BLUE},
                hovertemplate="¥%{y:,.2f}<extra></extra>")
    fig.add_scatter(x=months, y=[r["orders"] for r in rows], name=_("Orders"), yaxis="y2",
                    mode="lines+markers", line={"color": AMBER})
    fig.update_layout(**_layout(
        yaxis={"title": {"text": _("Sales (¥)")}, "tickformat": "~s", "rangemode": "tozero", "automargin": True},
        yaxis2={"title": {"text": _("Orders")}, "overlaying": "y", "side": "right", "rangemode": "tozero",
                "showgrid": False, "automargin": True, "tickformat": "d",
                "dtick": max(1, -(-max([r["orders"] for r in rows] or [0]) // 4))},
    ))
    return _plain(fig)


def grade_history(rows: list[dict[str, Any]], labels: dict[str, str]) -> dict[str, Any]:
    """Effective grade per month as a step line, A at the top."""
    level = {"A": 4, "B": 3, "C": 2, "D": 1}
    fig = _Figure()
    fig.add_scatter(
        x=[r["month"] for r in rows], y=[level.get(r["grade"]) for r in rows], mode="lines+markers",
        line={"shape": "hv", "color": BLUE}, name=_("Grade"),
        text=[f"{r['grade']} {labels.get(r['grade'], '')}" for r in rows], hovertemplate="%{text}<extra></extra>",
    )
    fig.update_layout(**_layout(
        height=220, showlegend=False,
        yaxis={"range": [0.5, 4.5], "tickvals": [4, 3, 2, 1], "ticktext": [f"{g} {labels[g]}" for g in "ABCD"],
               "automargin": True},
    ))
    return _plain(fig)
