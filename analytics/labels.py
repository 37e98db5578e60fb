"""Grade labels in the user's language.

A policy stores its labels as typed (the engine's defaults are Chinese, docs/analytics.md §3.1). A label still at its
default is shown in the user's language; a label an admin typed is their own wording and is shown as typed, in every
language. Lives in analytics so that the grading preview and the cockpit's pages say the same words.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from analytics.engine.grading import GRADES
from analytics.engine.policy import Labels

DEFAULT_LABELS: dict[str, str] = {g: getattr(Labels(), g) for g in GRADES}
DEFAULT_LABEL_TEXT = {"A": _("Core customer"), "B": _("Important customer"), "C": _("Regular customer"),
                      "D": _("Dormant customer")}


def grade_label_text(labels: Mapping[str, Any]) -> dict[str, str]:
    """`labels` (a policy's stored labels, possibly partial) as the user should read them."""
    out = {}
    for g in GRADES:
        given = str(labels.get(g) or "").strip()
        out[g] = given if given and given != DEFAULT_LABELS[g] else str(DEFAULT_LABEL_TEXT[g])
    return out
