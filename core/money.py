"""The one way money is written for people: ¥1,234.56 (negative -¥1,234.56), rounded half-up to the cent.

Every page shows amounts through it (the `yuan` template filter of cockpit_tags, and Python code that writes an
amount into a sentence), so the dashboard, the list, the profile, settings and coupons read alike. It lives here,
below every app, because apps lower than cockpit (coupons, analytics) write amounts too.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any


def format_yuan(value: Any, places: int = 2) -> str:
    """¥1,234.56 for 1234.555 (half-up, exact for Decimal and strings); "" for None or blank or not a number."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return ""
    if not amount.is_finite():
        return ""
    amount = amount.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.{int(places)}f}"
