"""The demo's time axis: the months it covers and the relative order intensity of every day.

Seasonality of a drinks / snacks / household-goods wholesaler: shops stock up in the three weeks before the
Spring Festival (年货), almost nobody orders during the holiday itself, trade stays slow for ~10 days after it,
and summer is a little stronger for drinks.
"""

import datetime as dt
from dataclasses import dataclass

import chinese_calendar
import numpy as np

# Month multipliers (Jan..Dec): a mild summer peak for drinks and a pre-holiday December.
MONTH_FACTOR = np.array([1.00, 0.95, 0.92, 0.97, 1.02, 1.08, 1.15, 1.15, 1.05, 1.00, 1.00, 1.08])
HOLIDAY_FACTOR = 0.12  # shops are closed during the Spring Festival holiday
STOCK_UP_DAYS, STOCK_UP_FACTOR = 21, 1.45
AFTER_DAYS, AFTER_FACTOR = 10, 0.65
# Used only when chinese_calendar has no data for a year: the festival falls between Jan 21 and Feb 20,
# so a holiday week starting around Feb 1 keeps the dip in the right season without a hand-written table.
FALLBACK_START = (2, 1)
FALLBACK_LENGTH = 7


@dataclass(frozen=True)
class Period:
    """The demo's span: `months` calendar months ending with the month of `end` (inclusive)."""

    start: dt.date  # first day of the first month
    end: dt.date  # last day of the last month
    month_starts: list[dt.date]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def day_index(self, day: dt.date) -> int:
        return (day - self.start).days

    def month_bounds(self, m: int) -> tuple[int, int]:
        """Day indexes [lo, hi) of month m."""
        lo = self.day_index(self.month_starts[m])
        hi = self.day_index(self.month_starts[m + 1]) if m + 1 < len(self.month_starts) else self.days
        return lo, hi


def add_months(day: dt.date, n: int) -> dt.date:
    """First day of the month n months after day's month."""
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def period_for(*, end_month: dt.date, months: int) -> Period:
    """The period of `months` months ending with `end_month` (any day of it)."""
    first = add_months(end_month.replace(day=1), -(months - 1))
    starts = [add_months(first, i) for i in range(months)]
    end = add_months(end_month.replace(day=1), 1) - dt.timedelta(days=1)
    return Period(start=first, end=end, month_starts=starts)


def spring_festival(year: int) -> tuple[dt.date, dt.date]:
    """First and last day of the Spring Festival holiday of `year`, from chinese_calendar.

    Years outside the package's data fall back to a week from Feb 1 (see FALLBACK_START).
    """
    days = []
    try:
        day = dt.date(year, 1, 15)
        while day <= dt.date(year, 2, 28):
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            if on_holiday and name == chinese_calendar.Holiday.spring_festival.value:
                days.append(day)
            day += dt.timedelta(days=1)
    except NotImplementedError:
        days = []
    if not days:
        start = dt.date(year, *FALLBACK_START)
        return start, start + dt.timedelta(days=FALLBACK_LENGTH - 1)
    return days[0], days[-1]


def day_weights(period: Period) -> np.ndarray:
    """Relative order intensity of every day of the period (mean about 1)."""
    ordinals = np.arange(period.days)
    dates = [period.start + dt.timedelta(days=int(i)) for i in ordinals]
    weights = MONTH_FACTOR[np.array([d.month - 1 for d in dates])].copy()
    # Sundays are a little quieter: small shops restock on weekdays.
    weekdays = np.array([d.weekday() for d in dates])
    weights[weekdays == 6] *= 0.8
    for year in range(period.start.year, period.end.year + 2):
        first, last = spring_festival(year)
        _scale(weights, period, first - dt.timedelta(days=STOCK_UP_DAYS), first, STOCK_UP_FACTOR)
        _scale(weights, period, first, last + dt.timedelta(days=1), HOLIDAY_FACTOR)
        after = last + dt.timedelta(days=1)
        _scale(weights, period, after, after + dt.timedelta(days=AFTER_DAYS), AFTER_FACTOR)
    return weights


def _scale(weights: np.ndarray, period: Period, lo: dt.date, hi: dt.date, factor: float) -> None:
    a = max(0, period.day_index(lo))
    b = min(period.days, period.day_index(hi))
    if a < b:
        weights[a:b] *= factor
