"""The policy editor's form: one input per policy key, read straight into `parse_policy`.

No Django field validation stands in front of the engine's: the raw text goes to `parse_policy`, and each of
`PolicyError.errors` is shown next to the key it names, word for word, so the page and `set_policy` agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from analytics.engine.policy import METHODS, Policy, PolicyError, parse_policy, policy_to_dict

from .diff import flatten

METHOD_LABELS = {
    "fixed_amount": _("fixed amount (sales over the window)"),
    "cumulative_share": _("cumulative share of sales (Pareto)"),
    "rank_percentile": _("rank percentile"),
    "weighted_score": _("weighted score"),
}

SECTIONS: list[tuple[str, Promise]] = [
    ("general", _("Method and window")),
    ("fixed_amount", _("Fixed amount cuts (CNY)")),
    ("cumulative_share", _("Cumulative share cuts")),
    ("rank_percentile", _("Rank percentile cuts")),
    ("weighted_score", _("Weighted score")),
    ("lifecycle", _("Lifecycle")),
    ("surge", _("Surge and plunge")),
    ("control", _("Period control")),
    ("labels", _("Grade labels")),
]

LABELS: dict[str, Promise] = {
    "method": _("grading method"),
    "window_months": _("window (months; blank = 12 for weighted score, else 1)"),
    "fixed_amount.a": _("A from"), "fixed_amount.b": _("B from"), "fixed_amount.c": _("C from"),
    "cumulative_share.a": _("A: share of sales up to"), "cumulative_share.b": _("B: share of sales up to"),
    "rank_percentile.a": _("A: top share of buyers"), "rank_percentile.b": _("B: up to share of buyers"),
    "rank_percentile.c": _("C: up to share of buyers"),
    "weighted_score.weights.sales": _("weight of sales"), "weighted_score.weights.profit": _("weight of profit"),
    "weighted_score.weights.frequency": _("weight of order frequency"),
    "weighted_score.weights.loyalty": _("weight of loyalty"),
    "weighted_score.weights.punctuality": _("weight of payment punctuality"),
    "weighted_score.a": _("A: top share of buyers by score"), "weighted_score.b": _("B: up to share of buyers"),
    "lifecycle.active_days": _("active up to (days since last order)"),
    "lifecycle.churn_days": _("churned after (days)"), "lifecycle.rhythm": _("rhythm rule on"),
    "lifecycle.rhythm_factor": _("rhythm factor (x median gap)"),
    "lifecycle.rhythm_min_days": _("rhythm minimum days"),
    "surge.window_days": _("window (days)"), "surge.up": _("surge at growth of"),
    "surge.down": _("plunge at a drop of"), "surge.min_base_amount": _("minimum base sales (CNY)"),
    "surge.min_base_orders": _("minimum base orders"),
    "control.baseline_periods": _("baseline periods"), "control.drop": _("alert at a drop of"),
    "labels.A": _("label of A"), "labels.B": _("label of B"), "labels.C": _("label of C"), "labels.D": _("label of D"),
}

DEFAULTS = flatten(policy_to_dict(Policy()))
KEYS = ["method", "window_months", *[k for k in DEFAULTS if k != "method"]]
BOOLEANS = {k for k, v in DEFAULTS.items() if isinstance(v, bool)}


def section_of(key: str) -> str:
    return "general" if key in ("method", "window_months") else key.split(".", 1)[0]


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        node = out
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


@dataclass
class BoundField:
    key: str
    label: Promise | str
    value: Any
    errors: list[str]
    kind: str  # "select", "checkbox", "text" or "number"
    choices: list[tuple[str, Promise]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return "f-" + self.key.replace(".", "-")


@dataclass
class Section:
    name: str
    title: Promise
    fields: list[BoundField]
    errors: list[str]


class PolicyForm:
    """The editor's values (text as typed) and, after `is_valid()`, the policy or the engine's messages."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.errors: list[str] = []
        self.policy: Policy | None = None

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> PolicyForm:
        """The form showing a stored policy (every key filled in, window blank when it follows the method)."""
        flat = flatten(policy_to_dict(parse_policy(data)))
        return cls({k: flat.get(k, "") for k in KEYS})

    @classmethod
    def from_post(cls, post: QueryDict) -> PolicyForm:
        values: dict[str, Any] = {}
        for key in KEYS:
            values[key] = key in post if key in BOOLEANS else post.get(key, "").strip()
        return cls(values)

    def data(self) -> dict[str, Any]:
        """The policy dict sent to `parse_policy` / `policy_set`: a blank window is omitted, all else as typed."""
        flat = {k: v for k, v in self.values.items() if not (k == "window_months" and v in ("", None))}
        return _nest(flat)

    def is_valid(self) -> bool:
        try:
            self.policy = parse_policy(self.data())
        except PolicyError as exc:
            self.errors = list(exc.errors)
            return False
        self.errors = []
        return True

    def _placed(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """Each message goes to the key it names, else to its section (e.g. `weighted_score.weights: ...`)."""
        by_key: dict[str, list[str]] = {}
        by_section: dict[str, list[str]] = {}
        for message in self.errors:
            path = message.split(": ", 1)[0] if ": " in message else ""
            if path.startswith("unknown key"):
                path = message.split(": ", 1)[1]
            if path in KEYS:
                by_key.setdefault(path, []).append(message)
            else:
                name = section_of(path) if path else "general"
                by_section.setdefault(name if name in dict(SECTIONS) else "general", []).append(message)
        return by_key, by_section

    def sections(self) -> list[Section]:
        by_key, by_section = self._placed()
        out = []
        for name, title in SECTIONS:
            fields_ = [self._bound(k, by_key.get(k, [])) for k in KEYS if section_of(k) == name]
            out.append(Section(name, title, fields_, by_section.get(name, [])))
        return out

    def _bound(self, key: str, errors: list[str]) -> BoundField:
        value = self.values.get(key, "")
        if key == "method":
            return BoundField(key, LABELS[key], value, errors, "select", [(m, METHOD_LABELS[m]) for m in METHODS])
        if key in BOOLEANS:
            return BoundField(key, LABELS[key], bool(value), errors, "checkbox")
        kind = "text" if key.startswith("labels.") else "number"
        return BoundField(key, LABELS.get(key, key), value, errors, kind)
