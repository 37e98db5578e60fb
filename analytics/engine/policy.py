"""The grading policy: defaults, validation with messages naming the key, and a lossless dict form.

docs/policy.md §1, §2: every section optional, unknown keys and bad values rejected with the key path.
Reading chosen: `policy_to_dict` writes every Decimal as a string (exact, like DRF) and whole numbers of days
as ints; `parse_policy` accepts JSON numbers and numeric strings for Decimal fields, so the round trip is exact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, is_dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from core.exceptions import DomainError

METHODS = ("fixed_amount", "cumulative_share", "rank_percentile", "weighted_score")
D = Decimal


# Each problem's English text, by code; `PolicyError.problems` carries the code and values so a page can say it in
# the user's language and name the field as the page does (analytics/tuning/forms.py), while `errors` stays the
# English `key.path: message` lines that set_policy prints and integrators read.
MESSAGES = {
    "object": "must be an object",
    "unknown_key": "unknown key",
    "boolean": "must be true or false",
    "text": "must be a non-empty text",
    "number": "must be a number",
    "whole_min": "must be a whole number >= {minimum}",
    "whole_range": "must be a whole number between {low} and {high}",
    "between": "must be between {low} and {high}",
    "increasing": "{keys} must be increasing",
    "decreasing": "a, b, c must be decreasing (a > b > c)",
    "non_negative": "must be a number >= 0",
    "positive": "must be a number > 0",
    "sum_one": "must sum to 1 (got {total})",
    "greater_than": "must be greater than {other}",
    "down_range": "must be greater than 0 and at most 1",
    "method": "must be one of {methods}",
    "json": "invalid JSON: {detail}",
}


@dataclass(frozen=True)
class Problem:
    """One problem: the key path it is about, its MESSAGES code and the values in its text."""

    path: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        if self.code == "unknown_key":
            return f"unknown key: {self.path}"
        text = MESSAGES[self.code].format(**self.params)
        return f"{self.path}: {text}" if self.path else text


class PolicyError(DomainError):
    """A policy that cannot be used; `.errors` lists every problem, each naming its key path (`.problems`: the same,
    structured). The API answers them under the field `data`, the policy's JSON."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.errors = [str(p) for p in problems]
        super().__init__("; ".join(self.errors), field="data", messages=self.errors)


@dataclass(frozen=True)
class FixedAmount:
    a: Decimal = D("100000")
    b: Decimal = D("50000")
    c: Decimal = D("10000")


@dataclass(frozen=True)
class CumulativeShare:
    a: Decimal = D("0.2")
    b: Decimal = D("0.8")


@dataclass(frozen=True)
class RankPercentile:
    a: Decimal = D("0.05")
    b: Decimal = D("0.25")
    c: Decimal = D("0.75")


@dataclass(frozen=True)
class Weights:
    sales: Decimal = D("0.4")
    profit: Decimal = D("0.3")
    frequency: Decimal = D("0.2")
    loyalty: Decimal = D("0.1")
    punctuality: Decimal = D("0")


@dataclass(frozen=True)
class WeightedScore:
    weights: Weights = field(default_factory=Weights)
    a: Decimal = D("0.2")
    b: Decimal = D("0.6")


@dataclass(frozen=True)
class Lifecycle:
    active_days: int = 30
    churn_days: int = 90
    rhythm: bool = False
    rhythm_factor: Decimal = D("2.0")
    rhythm_min_days: int = 14


@dataclass(frozen=True)
class Surge:
    window_days: int = 30
    up: Decimal = D("0.5")
    down: Decimal = D("0.5")
    min_base_amount: Decimal = D("1000")
    min_base_orders: int = 2


@dataclass(frozen=True)
class Control:
    baseline_periods: int = 6
    drop: Decimal = D("0.15")


@dataclass(frozen=True)
class Labels:
    A: str = "核心客户"
    B: str = "重要客户"
    C: str = "一般客户"
    D: str = "休眠客户"


@dataclass(frozen=True)
class Policy:
    """The whole policy. `window_months` is None when the file omitted it (see `window_months()`)."""

    method: str = "cumulative_share"
    window_months: int | None = None
    fixed_amount: FixedAmount = field(default_factory=FixedAmount)
    cumulative_share: CumulativeShare = field(default_factory=CumulativeShare)
    rank_percentile: RankPercentile = field(default_factory=RankPercentile)
    weighted_score: WeightedScore = field(default_factory=WeightedScore)
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    surge: Surge = field(default_factory=Surge)
    control: Control = field(default_factory=Control)
    labels: Labels = field(default_factory=Labels)


_SECTIONS: dict[str, type] = {
    "fixed_amount": FixedAmount, "cumulative_share": CumulativeShare, "rank_percentile": RankPercentile,
    "weighted_score": WeightedScore, "lifecycle": Lifecycle, "surge": Surge, "control": Control, "labels": Labels,
}
_INT_FIELDS = {"active_days", "churn_days", "rhythm_min_days", "window_days", "min_base_orders", "baseline_periods"}
MAX_WINDOW_MONTHS = 24


def window_months(policy: Policy) -> int:
    """Return the grading window in months: as given, else 12 for weighted_score and 1 for the others.

    docs/analytics.md §3.1 window_months.
    """
    if policy.window_months is not None:
        return policy.window_months
    return 12 if policy.method == "weighted_score" else 1


def fmt_decimal(value: Decimal) -> str:
    """Plain notation without trailing zeros (0.90 -> "0.9", 1E+5 -> "100000") for messages and dicts."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # A float that came from a Python dict: its shortest repr is what the author typed.
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str):
        try:
            dec = Decimal(value.strip())
        except InvalidOperation:
            return None
        return dec if dec.is_finite() else None
    return None


class _Reader:
    """Reads one policy dict against the defaults, collecting every error instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[Problem] = []

    def err(self, path: str, code: str, **params: Any) -> None:
        self.errors.append(Problem(path, code, params))

    def obj(self, path: str, raw: Any, default: Any) -> Any:
        if raw is None:  # an explicit null section means "use the defaults", like an omitted one
            return default
        if not isinstance(raw, dict):
            self.err(path, "object")
            return default
        known = {f.name for f in fields(default)}
        self.errors.extend(Problem(f"{path}.{key}", "unknown_key") for key in raw if key not in known)
        values = {}
        for f in fields(default):
            if f.name not in raw:
                continue
            current = getattr(default, f.name)
            sub = f"{path}.{f.name}"
            got = self.obj(sub, raw[f.name], current) if is_dataclass(current) else self.leaf(sub, raw[f.name], current)
            if got is not None:
                values[f.name] = got
        return replace(default, **values)

    def leaf(self, path: str, raw: Any, default: Any) -> Any:
        name = path.rsplit(".", 1)[-1]
        if isinstance(default, bool):
            if not isinstance(raw, bool):
                self.err(path, "boolean")
                return None
            return raw
        if isinstance(default, str):
            if not isinstance(raw, str) or not raw.strip():
                self.err(path, "text")
                return None
            return raw.strip()
        if name in _INT_FIELDS:
            return self.whole(path, raw, _INT_MINIMUM.get(name, 0))
        dec = _to_decimal(raw)
        if dec is None:
            self.err(path, "number")
        return dec

    def whole(self, path: str, raw: Any, minimum: int) -> int | None:
        dec = _to_decimal(raw)
        if dec is None or dec != dec.to_integral_value() or dec < minimum:
            self.err(path, "whole_min", minimum=minimum)
            return None
        return int(dec)

    def between(self, path: str, value: Decimal, low: int = 0, high: int = 1) -> bool:
        if not low <= value <= high:
            self.err(path, "between", low=low, high=high)
            return False
        return True


_INT_MINIMUM = {"window_days": 1, "baseline_periods": 3}


def _check_cuts(reader: _Reader, name: str, section: Any, keys: str) -> None:
    """Cuts are shares in 0..1 and strictly increasing (docs/policy.md §2: cuts out of 0..1 or not increasing)."""
    values = [getattr(section, k) for k in keys]
    if all([reader.between(f"{name}.{k}", v) for k, v in zip(keys, values, strict=True)]):
        if any(x >= y for x, y in zip(values, values[1:], strict=False)):
            reader.err(name, "increasing", keys=", ".join(keys))


def _check(reader: _Reader, p: Policy, clean: set[str]) -> None:
    """Range and consistency checks, only on sections that were read without errors."""
    if "fixed_amount" in clean:
        fa = p.fixed_amount
        negative = [k for k in "abc" if getattr(fa, k) < 0]
        for k in negative:
            reader.err(f"fixed_amount.{k}", "non_negative")
        if not negative and not fa.a > fa.b > fa.c:
            reader.err("fixed_amount", "decreasing")
    if "cumulative_share" in clean:
        _check_cuts(reader, "cumulative_share", p.cumulative_share, "ab")
    if "rank_percentile" in clean:
        _check_cuts(reader, "rank_percentile", p.rank_percentile, "abc")
    if "weighted_score" in clean:
        w = p.weighted_score.weights
        parts = [getattr(w, f.name) for f in fields(w)]
        if all([reader.between(f"weighted_score.weights.{f.name}", getattr(w, f.name)) for f in fields(w)]):
            if sum(parts) != 1:
                reader.err("weighted_score.weights", "sum_one", total=fmt_decimal(sum(parts, D(0))))
        _check_cuts(reader, "weighted_score", p.weighted_score, "ab")
    if "lifecycle" in clean:
        lc = p.lifecycle
        if lc.churn_days <= lc.active_days:
            reader.err("lifecycle.churn_days", "greater_than", other="lifecycle.active_days")
        if lc.rhythm_factor <= 0:
            reader.err("lifecycle.rhythm_factor", "positive")
    if "surge" in clean:
        if p.surge.up <= 0:
            reader.err("surge.up", "positive")
        if not 0 < p.surge.down <= 1:
            reader.err("surge.down", "down_range")
        if p.surge.min_base_amount < 0:
            reader.err("surge.min_base_amount", "non_negative")
    if "control" in clean:
        reader.between("control.drop", p.control.drop)


def parse_policy(data: dict[str, Any] | str) -> Policy:
    """Build a Policy from a dict or a JSON text, falling back to the defaults; raise PolicyError listing all problems.

    docs/policy.md §1 (JSON read with parse_float=Decimal; ints become Decimal too).
    """
    if isinstance(data, str):
        try:
            data = json.loads(data, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise PolicyError([Problem("", "json", {"detail": str(exc)})]) from exc
    if not isinstance(data, dict):
        raise PolicyError([Problem("policy", "object")])
    reader = _Reader()
    top = {"method", "window_months", *_SECTIONS}
    reader.errors.extend(Problem(key, "unknown_key") for key in data if key not in top)
    method = data.get("method", Policy.method)
    if method not in METHODS:
        reader.err("method", "method", methods=", ".join(METHODS))
        method = Policy.method
    months = None
    if data.get("window_months") is not None:
        months = reader.whole("window_months", data["window_months"], 1)
        if months is not None and months > MAX_WINDOW_MONTHS:
            reader.err("window_months", "whole_range", low=1, high=MAX_WINDOW_MONTHS)
    sections: dict[str, Any] = {}
    clean: set[str] = set()
    for name, cls in _SECTIONS.items():
        before = len(reader.errors)
        sections[name] = reader.obj(name, data.get(name), cls())
        if len(reader.errors) == before:
            clean.add(name)
    policy = Policy(method=method, window_months=months, **sections)
    _check(reader, policy, clean)
    if reader.errors:
        raise PolicyError(reader.errors)
    return policy


def _plain(value: Any) -> Any:
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Decimal):
        return fmt_decimal(value)
    return value


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    """JSON-serialisable form of a policy: Decimals as exact strings, days as ints; window_months only if explicit.

    docs/policy.md §3; parse_policy(policy_to_dict(p)) == p.
    """
    out: dict[str, Any] = {"method": policy.method}
    if policy.window_months is not None:
        out["window_months"] = policy.window_months
    for name in _SECTIONS:
        out[name] = _plain(getattr(policy, name))
    return out
