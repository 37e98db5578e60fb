"""Surge and plunge, exact at +50% / -50% and at the base (docs/analytics.md §3.3)."""

import datetime as dt
from decimal import Decimal as D

import pandas as pd

from analytics.engine.money import cny_to_fen_cut
from analytics.engine.surge import surge_plunge, surge_windows


def flags(cur, prev, **kw):
    surge, plunge = surge_plunge(pd.Series(cur), pd.Series(prev), **kw)
    return surge.tolist(), plunge.tolist()


def test_sales_exactly_at_plus_and_minus_fifty_percent_and_at_the_base():
    base = cny_to_fen_cut(D(1000))
    assert base == 100_000
    cur = [150_000, 149_999, 50_000, 50_001, 0, 1_000_000, 5_000]
    prev = [100_000, 100_000, 100_000, 100_000, 99_999, 0, 100_000]
    surge, plunge = flags(cur, prev, up=D("0.5"), down=D("0.5"), min_base=base)
    assert surge == [True, False, False, False, False, False, False]
    assert plunge == [False, False, True, False, False, False, True]


def test_orders_base_two_inclusive():
    surge, plunge = flags([3, 1, 5, 0, 2], [2, 2, 1, 1, 2], up=D("0.5"), down=D("0.5"), min_base=2)
    assert surge == [True, False, False, False, False]
    assert plunge == [False, True, False, False, False]


def test_float_trap_seven_percent():
    # 100 x 0.07 is 7.000000000000001 in floats; exactly +7% must still be a surge
    surge, _ = flags([107, 106], [100, 100], up=D("0.07"), down=D("0.5"), min_base=0)
    assert surge == [True, False]


def test_negative_current_sales_from_returns_is_a_plunge():
    surge, plunge = flags([-20_000], [200_000], up=D("0.5"), down=D("0.5"), min_base=100_000)
    assert (surge, plunge) == ([False], [True])


def test_windows_are_inclusive_and_adjacent():
    cur, prev = surge_windows(dt.date(2024, 3, 31), 30)
    assert cur == (dt.date(2024, 3, 2), dt.date(2024, 3, 31))
    assert prev == (dt.date(2024, 2, 1), dt.date(2024, 3, 1))
