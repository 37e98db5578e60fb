"""Forms of the cockpit pages: the dashboard's period and scope picker, and the visit log."""

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Region, Salesperson, Visit
from customers.roles import SALESPERSON, user_role
from customers.selectors import regions_visible, salespeople_visible

from .selectors.common import Scope
from .widgets import ChoiceSelect, DateBox, listed

# <input type="date"> takes ISO dates only; the active language's format (2026/11/23 in zh-hans) would blank it.
ISO = "%Y-%m-%d"


class DashboardForm(forms.Form):
    """Period, and for managers a region and salesperson; choices are only what the user may see."""

    period = forms.ChoiceField(label=_("Period"), required=False, widget=ChoiceSelect)
    region = forms.ModelChoiceField(queryset=Region.objects.none(), required=False, label=_("Region"),
                                    empty_label=_("All regions"), widget=ChoiceSelect)
    salesperson = forms.ModelChoiceField(queryset=Salesperson.objects.none(), required=False,
                                         label=_("Salesperson"), empty_label=_("All salespeople"), widget=ChoiceSelect)

    def __init__(self, data: Any, *, user: Any, periods: list[dt.date]) -> None:
        super().__init__(data)
        self.user = user
        self.fields["period"].choices = [  # type: ignore[attr-defined]
            (f"{p:%Y-%m}", f"{p:%Y-%m}") for p in periods
        ]
        if user_role(user) == SALESPERSON:
            del self.fields["region"], self.fields["salesperson"]
        else:
            listed(self.fields["region"], regions_visible(user=user))
            listed(self.fields["salesperson"], salespeople_visible(user=user))

    def scope(self) -> Scope:
        """The scope asked for; an invalid region or salesperson (not the user's to see) is ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return Scope(user=self.user, region=data.get("region"), salesperson=data.get("salesperson"))


class VisitForm(forms.Form):
    """Log a visit, call or message; customers.services.visit_log does the writing and the checks."""

    # The written-out widgets (cockpit/widgets.py): the same markup as Django's, without a template per input.
    date = forms.DateField(label=_("Date"), widget=DateBox(attrs={"type": "date"}, format=ISO))
    kind = forms.ChoiceField(label=_("Kind"), choices=Visit.Kind.choices, widget=ChoiceSelect)
    note = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}), error_messages={
        "required": _("Write down the outcome: what was said, agreed or ordered.")})
    next_date = forms.DateField(label=_("Next follow-up"), required=False,
                                widget=DateBox(attrs={"type": "date"}, format=ISO))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"date": timezone.localdate(), "kind": Visit.Kind.ONSITE})
        super().__init__(*args, **kwargs)
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        when, nxt = data.get("date"), data.get("next_date")
        if when and when > timezone.localdate():
            self.add_error("date", _("A visit cannot be in the future."))
        if when and nxt and nxt < when:
            self.add_error("next_date", _("The next follow-up cannot be before the visit."))
        return data
