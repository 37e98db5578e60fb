"""Grading policy versions: validate, save, activate (docs/policy.md §3, set_policy)."""

from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max

from analytics.engine.policy import Policy, parse_policy, policy_to_dict
from analytics.models import GradingPolicy

ACTIVE_POLICY_KEY = "analytics:active-policy"  # analytics.selectors.active_policy


@transaction.atomic
def policy_set(*, data: dict[str, Any] | str, user: Any = None, comment: str = "") -> GradingPolicy:
    """Validate `data`, save it as a new version and make it the active one.

    Raises analytics.engine.policy.PolicyError listing every problem, each naming its key.
    """
    policy = parse_policy(data)
    version = (GradingPolicy.objects.select_for_update().aggregate(v=Max("version"))["v"] or 0) + 1
    GradingPolicy.objects.filter(is_active=True).update(is_active=False)
    row = GradingPolicy.objects.create(
        version=version, data=policy_to_dict(policy), is_active=True, created_by=user, comment=comment
    )
    # after the commit, not before: a page reading between a delete and the commit would cache the old version
    # again (for ACTIVE_POLICY_SECONDS at most)
    transaction.on_commit(lambda: cache.delete(ACTIVE_POLICY_KEY))
    return row


def policy_active() -> GradingPolicy:
    """The active policy version, creating version 1 with the defaults (docs/policy.md §1) on first use.

    Two first uses at once (two beats, two workers) both try to create version 1; the loser's insert fails
    on the unique version and it reads the winner's row instead.
    """
    active = GradingPolicy.objects.filter(is_active=True).first()
    if active is not None:
        return active
    try:
        with transaction.atomic():
            if not GradingPolicy.objects.exists():
                return policy_set(data={}, comment="defaults")
    except IntegrityError:
        pass
    found = GradingPolicy.objects.filter(is_active=True).first() or GradingPolicy.objects.order_by("-version").first()
    assert found is not None  # noqa: S101 - created above, by us or by the concurrent caller
    return found


def policy_of(row: GradingPolicy) -> Policy:
    """The engine's Policy of a stored version."""
    return parse_policy(row.data)


def policy_get(version: int | None) -> GradingPolicy:
    """A named version, or the active one when `version` is None."""
    if version is None:
        return policy_active()
    return GradingPolicy.objects.get(version=version)
