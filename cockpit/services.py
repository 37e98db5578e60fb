"""Writes of the cockpit pages: a user's choice of the customer list's columns."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from .columns import by_key
from .models import ListPreference


@transaction.atomic
def list_columns_set(*, user: Any, keys: Iterable[str] | None) -> list[str] | None:
    """Remember the list's columns for `user` (unknown keys dropped); None forgets the choice (the defaults again)."""
    if keys is None:
        ListPreference.objects.filter(user=user).delete()
        return None
    wanted = set(keys)
    chosen = [c.key for c in by_key().values() if c.key in wanted and c.in_table]
    ListPreference.objects.update_or_create(user=user, defaults={"columns": chosen})
    return chosen
