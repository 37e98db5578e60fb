"""Forms of the cockpit pages: the dashboard's period and scope picker, the visit log, the list's column chooser."""

import datetime as dt
from typing import Any

from django import forms
from django.forms.renderers import Jinja2
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Region, Salesperson, Visit
from customers.roles import SALESPERSON, user_role
from customers.selectors import regions_visible, salespeople_visible

from .columns import offered
from .selectors.common import Scope

# <input type="date"> takes ISO dates only; the active language's format (2026/11/23 in zh-hans) would blank it.
ISO = "%Y-%m-%d"


class FastForm(forms.Form):
    """A form whose widgets render with Django's Jinja2 form renderer: Django's own widget templates, in Jinja2.

    The list's filter form has about 150 choice options, each written through input_option.html, input.html and
    attrs.html. Measured on a list page's first (uncached) view: 50.4 ms of app CPU with Django's template
    renderer, 41.0 ms with this one (BENCHMARKS.md, 2026-12-07); the rendered form is cached after that.
    """

    default_renderer = Jinja2()


class ListedChoices(forms.models.ModelChoiceIterator):
    """A region or salesperson picker's options from one plain SELECT.

    Django reads a ModelChoiceField's queryset with .iterator(), which on PostgreSQL is a server-side cursor:
    DECLARE, FETCH and CLOSE, three round trips for a few dozen rows, on every list and dashboard view."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in list(self.queryset):
            yield self.choice(obj)


class ListedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose (small) queryset is read with ListedChoices (Django's documented `iterator`)."""

    iterator = ListedChoices


class DashboardForm(forms.Form):
    """Period, and for managers a region and salesperson; choices are only what the user may see."""

    period = forms.ChoiceField(label=_("Period"), required=False)
    region = ListedModelChoiceField(queryset=Region.objects.none(), required=False, label=_("Region"),
                                    empty_label=_("All regions"))
    salesperson = ListedModelChoiceField(queryset=Salesperson.objects.none(), required=False,
                                         label=_("Salesperson"), empty_label=_("All salespeople"))

    def __init__(self, data: Any, *, user: Any, periods: list[dt.date]) -> None:
        super().__init__(data)
        self.user = user
        self.fields["period"].choices = [  # type: ignore[attr-defined]
            (f"{p:%Y-%m}", f"{p:%Y-%m}") for p in periods
        ]
        if user_role(user) == SALESPERSON:
            del self.fields["region"], self.fields["salesperson"]
        else:
            self.fields["region"].queryset = regions_visible(user=user)  # type: ignore[attr-defined]
            self.fields["salesperson"].queryset = salespeople_visible(user=user)  # type: ignore[attr-defined]

    def scope(self) -> Scope:
        """The scope asked for; an invalid region or salesperson (not the user's to see) is ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return Scope(user=self.user, region=data.get("region"), salesperson=data.get("salesperson"))


class VisitForm(forms.Form):
    """Log a visit, call or message; customers.services.visit_log does the writing and the checks."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format=ISO))
    kind = forms.ChoiceField(label=_("Kind"), choices=Visit.Kind.choices)
    note = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}), error_messages={
        "required": _("Write down the outcome: what was said, agreed or ordered.")})
    next_date = forms.DateField(label=_("Next follow-up"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format=ISO))

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


class ColumnsForm(FastForm):
    """The list's column chooser: which of the table's columns to show (cockpit.columns)."""

    columns = forms.MultipleChoiceField(label=_("Columns"), required=False, widget=forms.CheckboxSelectMultiple)
    reset = forms.BooleanField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every column any period can show: a choice made on a period without churn scores keeps the risk column.
        self.fields["columns"].choices = [  # type: ignore[attr-defined]
            (c.key, c.label) for c in offered(scored=True) if not c.required
        ]
