"""Exact money and ratio helpers: integer fen, Decimal policy numbers, Fraction comparisons.

Money inside the engine is integer fen (int64); policy numbers are Decimal. Every comparison of an amount or
a ratio against a policy number is done in integers (docs/analytics.md §3 "Exact arithmetic"), never in float.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

Number = Decimal | Fraction | int

# Products above this magnitude may overflow int64, so they are done with Python ints instead.
_INT64_SAFE = 2**62


def as_fraction(value: Number) -> Fraction:
    """Return the exact rational value of a policy number.

    docs/analytics.md §3 "Exact arithmetic": Decimal -> Fraction is exact, unlike Decimal -> float.
    """
    if isinstance(value, float):
        raise TypeError("floats are not exact; pass a Decimal")
    return Fraction(value)


def ceil_times(value: Number, n: int) -> int:
    """Return ceil(value x n) exactly, e.g. ceil(0.07 x 100) == 7.

    docs/analytics.md §3 "Exact arithmetic" (rank cuts r <= ceil(a x n), amount cuts in fen).
    """
    return math.ceil(as_fraction(value) * n)


def cny_to_fen_cut(amount: Number) -> int:
    """Return the smallest whole fen amount that is >= the CNY amount given.

    docs/analytics.md §3.1 fixed_amount / 3.3 base: for integer fen s, s >= x holds exactly when s >= ceil(x).
    """
    return ceil_times(amount, 100)


def decimal_to_fen(amount: Decimal) -> int:
    """Convert a CNY Decimal to integer fen, refusing amounts with fractions of a fen.

    docs/analytics.md §2 (money is Decimal CNY with 2 places; the engine works in fen).
    """
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} has fractions of a fen")
    return int(fen)


def fen_to_decimal(fen: int) -> Decimal:
    """Convert integer fen to a CNY Decimal with two places.

    docs/analytics.md §2 (money is Decimal CNY with 2 places).
    """
    return (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))


def _as_int_array(values: pd.Series | np.ndarray) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype == object:
        return arr
    return arr.astype(np.int64)


def scaled(values: pd.Series | np.ndarray, factor: int) -> np.ndarray:
    """Multiply integer values by an integer factor without overflow (Python ints when int64 is not safe).

    docs/analytics.md §3 "Exact arithmetic": cross-multiplication must never wrap around.
    """
    arr = _as_int_array(values)
    biggest = int(np.abs(arr).max()) if arr.size else 0
    if biggest * abs(factor) >= _INT64_SAFE or arr.dtype == object:
        return arr.astype(object) * int(factor)
    return arr * np.int64(factor)


def ratio_ge(numer: pd.Series | np.ndarray, denom: pd.Series | np.ndarray, cut: Number) -> np.ndarray:
    """Elementwise numer / denom >= cut, exactly, for integer arrays with denom > 0.

    docs/analytics.md §3.3 (growth of exactly +50% is a surge): numer x den >= num x denom in integers.
    """
    frac = as_fraction(cut)
    return np.asarray(scaled(numer, frac.denominator) >= scaled(denom, frac.numerator), dtype=bool)


def ratio_le(numer: pd.Series | np.ndarray, denom: pd.Series | np.ndarray, cut: Number) -> np.ndarray:
    """Elementwise numer / denom <= cut, exactly, for integer arrays with denom > 0.

    docs/analytics.md §3.3 (growth of exactly -50% is a plunge).
    """
    frac = as_fraction(cut)
    return np.asarray(scaled(numer, frac.denominator) <= scaled(denom, frac.numerator), dtype=bool)


def ratio_gt(numer: pd.Series | np.ndarray, denom: pd.Series | np.ndarray, cut: Number) -> np.ndarray:
    """Elementwise numer / denom > cut, exactly, for integer arrays with denom > 0.

    docs/analytics.md §3.2 rhythm rule and 3.5 control (strictly more than the cut).
    """
    frac = as_fraction(cut)
    return np.asarray(scaled(numer, frac.denominator) > scaled(denom, frac.numerator), dtype=bool)
