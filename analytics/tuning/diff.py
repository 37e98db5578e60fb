"""What changed between two policy versions, as flat dotted keys (`fixed_amount.a` -> [old, new])."""

from typing import Any


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}} -> {"a.b": 1}; leaves stay as stored (Decimals are strings in a stored policy)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{path}."))
        else:
            out[path] = value
    return out


def policy_diff(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, list[Any]]:
    """Every key whose value differs, `key -> [old, new]` (None where a side lacks the key), sorted by key.

    Both sides are stored policies (`policy_to_dict` form), so equal numbers are equal strings.
    """
    before, after = flatten(old or {}), flatten(new)
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}
