"""Chinese pages write counts as 1,220, as they write money (Django's zh_Hans groups nothing: "1220" beside
"¥2,957,756.85" on one dashboard row)."""

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import translation

from core.money import format_yuan


def test_counts_are_grouped_by_thousands_in_chinese_as_money_is():
    with translation.override("zh-hans"):
        assert intcomma(1220) == "1,220" and intcomma(2000000) == "2,000,000"
        assert "," in format_yuan(1220)
        assert translation.get_language() == "zh-hans"
    with translation.override("en"):
        assert intcomma(1220) == "1,220"
