"""core.money.format_yuan: the one money format of every page."""

from decimal import Decimal

import pytest

from cockpit.templatetags.cockpit_tags import yuan
from core.money import format_yuan


@pytest.mark.parametrize(("value", "places", "text"), [
    (Decimal("1234.5"), 2, "¥1,234.50"),
    (Decimal("-1234567.891"), 2, "-¥1,234,567.89"),
    (Decimal("0.125"), 2, "¥0.13"),  # half-up (四舍五入), not the banker's ¥0.12
    (Decimal("2.5"), 0, "¥3"),
    ("88", 2, "¥88.00"),
    (50, 0, "¥50"),
    (Decimal("-0.001"), 2, "¥0.00"),
    (None, 2, ""), ("", 2, ""), ("abc", 2, ""), (Decimal("NaN"), 2, ""),
])
def test_format_yuan(value, places, text):
    assert format_yuan(value, places) == text
    assert yuan(value, places) == text  # the template filter is the same function
