"""Policy parsing, validation messages and the lossless dict round trip (docs/policy.md)."""

import json
from decimal import Decimal

import pytest

from analytics.engine.policy import (
    Policy,
    PolicyError,
    Weights,
    parse_policy,
    policy_to_dict,
    window_months,
)

DESIGN_EXAMPLE = """
{"method": "cumulative_share",
 "window_months": 1,
 "fixed_amount": {"a": 100000, "b": 50000, "c": 10000},
 "cumulative_share": {"a": 0.2, "b": 0.8},
 "rank_percentile": {"a": 0.05, "b": 0.25, "c": 0.75},
 "weighted_score": {"weights": {"sales": 0.4, "profit": 0.3, "frequency": 0.2, "loyalty": 0.1, "punctuality": 0.0},
                    "a": 0.2, "b": 0.6},
 "lifecycle": {"active_days": 30, "churn_days": 90, "rhythm": false, "rhythm_factor": 2.0, "rhythm_min_days": 14},
 "surge": {"window_days": 30, "up": 0.5, "down": 0.5, "min_base_amount": 1000, "min_base_orders": 2},
 "control": {"baseline_periods": 6, "drop": 0.15},
 "labels": {"A": "核心客户", "B": "重要客户", "C": "一般客户", "D": "休眠客户"}}
"""


def errors_of(data):
    with pytest.raises(PolicyError) as info:
        parse_policy(data)
    return info.value.errors


def test_empty_policy_is_the_design_defaults():
    p = parse_policy("{}")
    assert p == Policy()
    assert p.method == "cumulative_share"
    assert (p.cumulative_share.a, p.cumulative_share.b) == (Decimal("0.2"), Decimal("0.8"))
    assert (p.rank_percentile.a, p.rank_percentile.b, p.rank_percentile.c) == (
        Decimal("0.05"), Decimal("0.25"), Decimal("0.75"))
    assert p.fixed_amount.a == Decimal(100000) and p.fixed_amount.c == Decimal(10000)
    assert p.weighted_score.weights == Weights(Decimal("0.4"), Decimal("0.3"), Decimal("0.2"), Decimal("0.1"),
                                               Decimal(0))
    assert (p.lifecycle.active_days, p.lifecycle.churn_days, p.lifecycle.rhythm) == (30, 90, False)
    assert (p.surge.window_days, p.surge.min_base_amount, p.surge.min_base_orders) == (30, Decimal(1000), 2)
    assert (p.control.baseline_periods, p.control.drop) == (6, Decimal("0.15"))
    assert p.labels.A == "核心客户" and p.labels.D == "休眠客户"


def test_design_example_parses_to_defaults_with_explicit_window():
    p = parse_policy(DESIGN_EXAMPLE)
    assert p == Policy(window_months=1)
    assert isinstance(p.cumulative_share.a, Decimal)
    assert isinstance(p.fixed_amount.a, Decimal)


def test_weights_point_four_three_two_one_sum_to_exactly_one():
    p = parse_policy('{"method": "weighted_score", "weighted_score": {"weights": '
                     '{"sales": 0.4, "profit": 0.3, "frequency": 0.2, "loyalty": 0.1}}}')
    w = p.weighted_score.weights
    assert w.sales + w.profit + w.frequency + w.loyalty + w.punctuality == 1
    # the same weights given as Python floats in a dict are read as typed, not as binary floats
    q = parse_policy({"weighted_score": {"weights": {"sales": 0.1, "profit": 0.2, "frequency": 0.3, "loyalty": 0.4}}})
    assert q.weighted_score.weights.sales == Decimal("0.1")


def test_window_months_defaults_by_method_and_remembers_explicit():
    assert window_months(parse_policy({})) == 1
    assert window_months(parse_policy({"method": "fixed_amount"})) == 1
    weighted = parse_policy({"method": "weighted_score"})
    assert weighted.window_months is None and window_months(weighted) == 12
    explicit = parse_policy({"method": "weighted_score", "window_months": 3})
    assert explicit.window_months == 3 and window_months(explicit) == 3
    assert parse_policy({"window_months": 1}).window_months == 1


@pytest.mark.parametrize("policy", [
    Policy(),
    Policy(window_months=12),
    parse_policy({"method": "rank_percentile", "rank_percentile": {"a": "0.07", "b": "0.55", "c": "0.9"},
                  "lifecycle": {"rhythm": True, "rhythm_factor": "1.5"}, "labels": {"A": "VIP"}}),
    parse_policy({"method": "weighted_score", "weighted_score": {"weights": {
        "sales": "0.123456789", "profit": "0.3", "frequency": "0.2", "loyalty": "0.1", "punctuality": "0.276543211"}}}),
])
def test_round_trip_through_dict_and_json(policy):
    data = policy_to_dict(policy)
    text = json.dumps(data, ensure_ascii=False)
    assert parse_policy(data) == policy
    assert parse_policy(text) == policy
    assert ("window_months" in data) == (policy.window_months is not None)


def test_policy_to_dict_writes_decimals_as_strings():
    data = policy_to_dict(Policy())
    assert data["cumulative_share"] == {"a": "0.2", "b": "0.8"}
    assert data["fixed_amount"]["a"] == "100000"
    assert data["lifecycle"]["active_days"] == 30
    assert data["lifecycle"]["rhythm"] is False
    assert "window_months" not in data


@pytest.mark.parametrize(("data", "expected"), [
    ({"cumulative_share": {"b": 1.5}}, ["cumulative_share.b: must be between 0 and 1"]),
    ({"cumulative_share": {"a": -0.1}}, ["cumulative_share.a: must be between 0 and 1"]),
    ({"cumulative_share": {"a": 0.8, "b": 0.8}}, ["cumulative_share: a, b must be increasing"]),
    ('{"weighted_score": {"weights": {"sales": 0.3}}}', ["weighted_score.weights: must sum to 1 (got 0.9)"]),
    ({"lifecycle": {"active_days": 90}}, ["lifecycle.churn_days: must be greater than lifecycle.active_days"]),
    ({"lifecycle": {"active_days": 30, "churn_days": 30}},
     ["lifecycle.churn_days: must be greater than lifecycle.active_days"]),
    ({"fixed_amount": {"b": 100000}}, ["fixed_amount: a, b, c must be decreasing (a > b > c)"]),
    ({"rank_percentile": {"a": 0.3}}, ["rank_percentile: a, b, c must be increasing"]),
    ({"lifecycle": {"bar": 1}}, ["unknown key: lifecycle.bar"]),
    ({"foo": {"bar": 1}}, ["unknown key: foo"]),
    ({"weighted_score": {"weights": {"speed": 0.1}}}, ["unknown key: weighted_score.weights.speed"]),
    ({"lifecycle": {"active_days": -1}}, ["lifecycle.active_days: must be a whole number >= 0"]),
    ({"lifecycle": {"active_days": 2.5}}, ["lifecycle.active_days: must be a whole number >= 0"]),
    ({"lifecycle": {"rhythm": "yes"}}, ["lifecycle.rhythm: must be true or false"]),
    ({"method": "abc"}, ["method: must be one of fixed_amount, cumulative_share, rank_percentile, weighted_score"]),
    ({"window_months": 0}, ["window_months: must be a whole number >= 1"]),
    ({"window_months": 25}, ["window_months: must be a whole number between 1 and 24"]),
    ({"surge": {"up": 0}}, ["surge.up: must be a number > 0"]),
    ({"surge": {"min_base_amount": "lots"}}, ["surge.min_base_amount: must be a number"]),
    ({"control": {"drop": 2}}, ["control.drop: must be between 0 and 1"]),
    ({"control": {"baseline_periods": 2}}, ["control.baseline_periods: must be a whole number >= 3"]),
    ({"labels": {"A": ""}}, ["labels.A: must be a non-empty text"]),
    ({"surge": []}, ["surge: must be an object"]),
    ("[1]", ["policy: must be an object"]),
])
def test_validation_messages_exactly(data, expected):
    assert errors_of(data) == expected


def test_all_errors_are_collected_not_just_the_first():
    errors = errors_of({"method": "x", "foo": 1, "cumulative_share": {"b": 1.5},
                        "weighted_score": {"weights": {"sales": 0.3}}, "lifecycle": {"active_days": -1}})
    assert errors == [
        "unknown key: foo",
        "method: must be one of fixed_amount, cumulative_share, rank_percentile, weighted_score",
        "lifecycle.active_days: must be a whole number >= 0",
        "cumulative_share.b: must be between 0 and 1",
        "weighted_score.weights: must sum to 1 (got 0.9)",
    ]


def test_invalid_json_is_a_policy_error():
    errors = errors_of("{not json")
    assert len(errors) == 1 and errors[0].startswith("invalid JSON")


def test_booleans_are_not_numbers():
    assert errors_of({"cumulative_share": {"a": True}}) == ["cumulative_share.a: must be a number"]
