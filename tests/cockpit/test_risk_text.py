"""A churn risk is shown as the estimate it is: never "0%" or "100%" (a profile said "100% probability of no order")."""

import pytest
from django.utils import translation

from cockpit import columns
from cockpit.templatetags.cockpit_tags import risk


@pytest.mark.parametrize(("value", "text"), [
    (0.0, "<1%"), (0.004, "<1%"), (0.005, "1%"), (0.35, "35%"), (0.994, "99%"), (0.995, ">99%"), (1.0, ">99%"),
    (None, ""), ("", ""),
])
def test_the_ends_are_less_than_one_and_more_than_ninety_nine_percent(value, text):
    assert risk(value) == text


def test_the_list_and_its_xlsx_write_the_risk_that_way_and_its_reasons_with_the_languages_separator():
    column = columns.by_key()["churn_risk"]
    assert column.text(0.998) == ">99%" and column.text(0.42) == "42%"
    assert column.format in columns.NUMERIC and columns.XLSX_FORMAT[column.format] == "0.0%"  # a typed number
    reasons = columns.by_key()["churn_reasons"]
    with translation.override("zh-hans"):
        assert "；" in reasons.text("long_since_last_order late_for_own_rhythm")
    with translation.override("en"):
        assert reasons.text("long_since_last_order late_for_own_rhythm") == (
            "long since the last order; later than their usual ordering rhythm")
