"""The active policy as pages read it: from the cache, dropped when a new policy commits, never before."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from analytics.selectors import active_policy
from analytics.services.policies import policy_set


@pytest.mark.django_db(transaction=True)
def test_pages_read_the_active_policy_from_the_cache_until_a_new_one_commits():
    first = active_policy()  # creates version 1 with the defaults
    with CaptureQueriesContext(connection) as read:
        assert active_policy() == first
    assert len(read) == 0

    with transaction.atomic():
        saved = policy_set(data={"labels": {"A": "金牌客户"}})
        # not committed yet: another request still reads the version every other one does
        assert active_policy() == first
    now = active_policy()
    assert now.pk == saved.pk != first.pk
    assert now.labels["A"] == "金牌客户"


@pytest.mark.django_db(transaction=True)
def test_a_policy_that_fails_to_save_leaves_the_cached_one_in_place():
    first = active_policy()
    with pytest.raises(RuntimeError), transaction.atomic():
        policy_set(data={"labels": {"A": "金牌客户"}})
        raise RuntimeError("the request failed after saving")
    with CaptureQueriesContext(connection) as read:
        assert active_policy() == first
    assert len(read) == 0
