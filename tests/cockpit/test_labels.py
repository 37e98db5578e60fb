"""Grade labels: the default ones in the user's language; an admin's own wording as typed."""

import pytest
from django.utils import translation

from analytics.services.policies import policy_active, policy_set
from cockpit.labels import grade_labels


@pytest.mark.django_db
def test_default_grade_labels_follow_the_language_and_custom_ones_stay_as_typed(django_capture_on_commit_callbacks):
    policy_active()
    with translation.override("en"):
        assert grade_labels() == {"A": "Core customer", "B": "Important customer", "C": "Regular customer",
                                  "D": "Dormant customer"}
    with translation.override("zh-hans"):
        assert grade_labels() == {"A": "核心客户", "B": "重要客户", "C": "一般客户", "D": "休眠客户"}
    with django_capture_on_commit_callbacks(execute=True):  # the saved policy's commit drops the cached labels
        policy_set(data={"labels": {"A": "金牌客户"}})
    with translation.override("en"):
        assert grade_labels() == {"A": "金牌客户", "B": "Important customer", "C": "Regular customer",
                                  "D": "Dormant customer"}
