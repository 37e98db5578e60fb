"""The policy editor's form: one input per policy key, read straight into `parse_policy`.

No Django field validation stands in front of the engine's: the raw text goes to `parse_policy`, and each of its
problems (`PolicyError.problems`, the same list `set_policy` prints) is shown next to the key it names, in the user's
language, naming fields by their labels on the page rather than by their JSON keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from analytics.engine.policy import METHODS, Policy, PolicyError, Problem, parse_policy, policy_to_dict

from .diff import flatten

METHOD_LABELS = {
    "fixed_amount": _("Fixed amount (sales over the window)"),
    "cumulative_share": _("Cumulative share of sales (Pareto)"),
    "rank_percentile": _("Rank percentile"),
    "weighted_score": _("Weighted score"),
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
    "method": _("Grading method"),
    "window_months": _("Window (months; blank = 12 for weighted score, else 1)"),
    "fixed_amount.a": _("A from"), "fixed_amount.b": _("B from"), "fixed_amount.c": _("C from"),
    "cumulative_share.a": _("A: share of sales up to"), "cumulative_share.b": _("B: share of sales up to"),
    "rank_percentile.a": _("A: top share of buyers"), "rank_percentile.b": _("B: up to share of buyers"),
    "rank_percentile.c": _("C: up to share of buyers"),
    "weighted_score.weights.sales": _("Weight of sales"), "weighted_score.weights.profit": _("Weight of profit"),
    "weighted_score.weights.frequency": _("Weight of order frequency"),
    "weighted_score.weights.loyalty": _("Weight of loyalty"),
    "weighted_score.weights.punctuality": _("Weight of payment punctuality"),
    "weighted_score.a": _("A: top share of buyers by score"), "weighted_score.b": _("B: up to share of buyers"),
    "lifecycle.active_days": _("Active up to (days since last order)"),
    "lifecycle.churn_days": _("Churned after (days)"), "lifecycle.rhythm": _("Rhythm rule on"),
    "lifecycle.rhythm_factor": _("Rhythm factor (x median gap)"),
    "lifecycle.rhythm_min_days": _("Rhythm minimum days"),
    "surge.window_days": _("Window (days)"), "surge.up": _("Surge at growth of"),
    "surge.down": _("Plunge at a drop of"), "surge.min_base_amount": _("Minimum base sales (CNY)"),
    "surge.min_base_orders": _("Minimum base orders"),
    "control.baseline_periods": _("Baseline periods"), "control.drop": _("Alert at a drop of"),
    "labels.A": _("Label of A"), "labels.B": _("Label of B"), "labels.C": _("Label of C"), "labels.D": _("Label of D"),
}
# Names of the groups a problem can be about, beyond the sections and the fields.
GROUP_LABELS: dict[str, Promise] = {"weighted_score.weights": _("Weights"), "policy": _("Policy")}

# The engine's problems (analytics.engine.policy.MESSAGES) in the user's words; %(...)s are filled in below.
PROBLEMS: dict[str, Promise] = {
    "object": _("must be a group of settings"),
    "unknown_key": _("is not a setting of the grading policy"),
    "boolean": _("must be on or off"),
    "text": _("must not be empty"),
    "number": _("must be a number"),
    "whole_min": _("must be a whole number of at least %(minimum)s"),
    "whole_range": _("must be a whole number from %(low)s to %(high)s"),
    "between": _("must be between %(low)s and %(high)s"),
    "increasing": _("must increase from grade to grade (%(keys)s)"),
    "decreasing": _("must decrease from grade to grade (A > B > C)"),
    "non_negative": _("must be a number of at least 0"),
    "positive": _("must be a number greater than 0"),
    "sum_one": _("must add up to 1 (they add up to %(total)s)"),
    "greater_than": _("must be greater than “%(other)s”"),
    "down_range": _("must be greater than 0 and at most 1"),
    "method": _("must be one of: %(methods)s"),
    "json": _("the policy is not valid JSON: %(detail)s"),
}
PROBLEM_LINE = _("%(field)s: %(problem)s")


DEFAULTS = flatten(policy_to_dict(Policy()))
KEYS = ["method", "window_months", *[k for k in DEFAULTS if k != "method"]]
BOOLEANS = {k for k, v in DEFAULTS.items() if isinstance(v, bool)}


def section_of(key: str) -> str:
    return "general" if key in ("method", "window_months") else key.split(".", 1)[0]


def key_label(key: str) -> str:
    """A policy key as the editor names it: the field's label, else its group's or section's, else the key."""
    if key in LABELS:
        return str(LABELS[key])
    found = GROUP_LABELS.get(key) or dict(SECTIONS).get(key)
    return str(found) if found is not None else key


@dataclass(frozen=True)
class Change:
    """One line of a version's "what changed": the field as the editor names it, old and new as the user reads."""

    key: str
    label: str
    old: str
    new: str


def _shown(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return gettext("on") if value else gettext("off")
    if key == "method" and value in METHOD_LABELS:
        return str(METHOD_LABELS[value])
    return str(value)


def changes_described(diff: dict[str, list[Any]]) -> list[Change]:
    """A stored diff (`key -> [old, new]`, analytics.tuning.diff) in the editor's order and words."""
    order = {k: i for i, k in enumerate(KEYS)}
    out = []
    for key in sorted(diff, key=lambda k: (order.get(k, len(order)), k)):
        old, new = diff[key]
        section = section_of(key)
        label = key_label(key)
        if section != "general" and section in dict(SECTIONS):
            label = gettext("%(section)s · %(field)s") % {"section": dict(SECTIONS)[section], "field": label}
        out.append(Change(key, label, _shown(key, old), _shown(key, new)))
    return out


def problem_text(problem: Problem) -> str:
    """One engine problem in the active language, naming fields by their labels (the engine names JSON keys)."""
    params = dict(problem.params)
    if problem.code == "increasing":
        params["keys"] = " < ".join(k.upper() for k in params["keys"].split(", "))
    elif problem.code == "greater_than":
        params["other"] = key_label(params["other"])
    elif problem.code == "method":
        params["methods"] = " / ".join(str(METHOD_LABELS[m]) for m in METHODS)
    text = str(PROBLEMS[problem.code]) % params
    if not problem.path:
        return text
    return str(PROBLEM_LINE) % {"field": key_label(problem.path), "problem": text}


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
        self.errors: list[str] = []  # the engine's lines, as set_policy prints them
        self.problems: list[Problem] = []
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
            self.fail(exc)
            return False
        self.errors, self.problems = [], []
        return True

    def fail(self, exc: PolicyError) -> None:
        """Take the engine's problems (from parse_policy here, or from a save)."""
        self.errors, self.problems = list(exc.errors), list(exc.problems)

    @property
    def messages(self) -> list[str]:
        """Every problem in the user's language, in the engine's order."""
        return [problem_text(p) for p in self.problems]

    def _placed(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """Each message goes to the key it names, else to its section (e.g. the weights' sum)."""
        by_key: dict[str, list[str]] = {}
        by_section: dict[str, list[str]] = {}
        for problem in self.problems:
            path, message = problem.path, problem_text(problem)
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
