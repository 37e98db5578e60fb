"""A user's choices on the cockpit pages."""

from typing import Any

from cockpit.models import ListPreference


def list_columns_chosen(*, user: Any) -> list[str] | None:
    """The customer list's columns `user` chose (keys of cockpit.columns), or None: they never chose."""
    return ListPreference.objects.filter(user=user).values_list("columns", flat=True).first()
