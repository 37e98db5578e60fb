"""Forms of the settings pages: overrides, reassignment, users, passwords, deactivation, merges.

The forms parse input; the rules live in `customers.services_admin` (its AdminError lands on the named field).
"""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import GRADES, Region, Salesperson
from .roles import MANAGER, ROLE_LABELS, ROLES, is_company_wide_manager, user_role
from .selectors import salespeople_visible

ROLE_CHOICES = [("", _("No role (cannot see anything)")), *[(r, ROLE_LABELS[r]) for r in ROLES]]


def codes_of(text: str) -> list[str]:
    """Customer codes typed or pasted one per line, or separated by commas, semicolons or spaces (order kept)."""
    seen: dict[str, None] = {}
    for code in re.split(r"[\s,;，；]+", text or ""):
        if code:
            seen[code] = None
    return list(seen)


def _has_regions(user: Any) -> bool:
    return Region.objects.filter(managers__user=user).exists()


def reassign_targets(user: Any) -> QuerySet[Salesperson]:
    """Active salespeople `user` may hand customers to: all for admins and unrestricted managers; for a regional
    manager, those of their regions or already owning customers there."""
    active = Salesperson.objects.filter(user__is_active=True).select_related("user")
    if user_role(user) != MANAGER:
        return active
    if not _has_regions(user):
        # A manager with no region sees no one unless marked company-wide (customers.selectors: fails closed).
        return active if is_company_wide_manager(user) else active.none()
    q = Q(id__in=salespeople_visible(user=user).values("id"))
    for path in Region.objects.filter(managers__user=user).values_list("path", flat=True):
        q |= Q(region__path=path) | Q(region__path__startswith=path + "/")
    return active.filter(q)


# The admin services' messages (customers.services_admin: English, as the API returns them) as the settings pages
# say them; anything else (Django's password and username validators) is already in the user's language.
ADMIN_MESSAGES: list[tuple[re.Pattern[str], Any]] = [(re.compile(pattern), text) for pattern, text in (
    (r"^required$", _("This field is required.")),
    (r"^must not be in the past$", _("Must not be in the past.")),
    (r"^must be one of .*$", _("Choose one of the options.")),
    (r"^must be another customer than the survivor$", _("Choose a different customer from the one that stays.")),
    (r"^no such customer$", _("No such customer.")),
    (r"^(?P<name>.+) is deactivated$", _("%(name)s is deactivated.")),
    (r"^must be another salesperson$", _("Choose another salesperson.")),
    (r"^(?P<name>.+) is already the salesperson of login (?P<login>.+)$",
     _("%(name)s is already the salesperson of the login %(login)s.")),
    (r"^you cannot remove your own admin role$", _("You cannot remove your own administrator role.")),
    (r"^a user with that username already exists$", _("A user with that username already exists.")),
    (r"^you cannot deactivate yourself$", _("You cannot deactivate yourself.")),
    (r"^the user is deactivated$", _("The user is deactivated.")),
)]


def admin_error_text(message: str) -> str:
    """An admin service's message in the user's language (unknown messages as they are)."""
    for pattern, text in ADMIN_MESSAGES:
        found = pattern.match(str(message))
        if found:
            return str(text) % found.groupdict() if found.groupdict() else str(text)
    return str(message)


class AdminErrorMixin:
    """Put a service's AdminError on the field it names (or on the form), in the user's language."""

    def add_admin_error(self, exc: Any) -> None:
        field = exc.field if exc.field in self.fields else None  # type: ignore[attr-defined]
        self.add_error(field, admin_error_text(exc.message))  # type: ignore[attr-defined]


class OverrideForm(AdminErrorMixin, forms.Form):
    # A blank first choice: a customer without an override must not show grade A picked, one click from saved.
    grade = forms.ChoiceField(label=_("Grade"), choices=[("", "—"), *GRADES])
    reason = forms.CharField(label=_("Reason"), max_length=255)
    until = forms.DateField(label=_("Until (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_until(self) -> Any:
        until = self.cleaned_data["until"]
        if until < timezone.localdate():
            raise forms.ValidationError(_("Must not be in the past."))
        return until


class ReassignForm(AdminErrorMixin, forms.Form):
    from_salesperson = forms.ModelChoiceField(
        label=_("All customers of"), queryset=Salesperson.objects.none(), required=False,
        help_text=_("e.g. a salesperson who is leaving"))
    codes = forms.CharField(label=_("Customer codes"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("One per line, or separated by commas"))
    to = forms.ModelChoiceField(label=_("Move to"), queryset=Salesperson.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["from_salesperson"]).queryset = (
            salespeople_visible(user=user).select_related("user"))
        cast(forms.ModelChoiceField, self.fields["to"]).queryset = reassign_targets(user)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # codes typed, then those ticked in the customer search (name="picked", outside the declared fields)
        picked = self.data.getlist("picked") if hasattr(self.data, "getlist") else []
        data["code_list"] = codes_of("\n".join([data.get("codes", ""), *picked]))
        if not data.get("from_salesperson") and not data["code_list"]:
            raise forms.ValidationError(_("Choose a salesperson whose customers move, or find or enter customers."))
        return data


class UserRoleForm(AdminErrorMixin, forms.Form):
    first_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, required=False)
    regions = forms.ModelMultipleChoiceField(
        label=_("Regions (regional managers)"), queryset=Region.objects.all(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}))
    company_wide = forms.BooleanField(
        label=_("Company-wide manager"), required=False,
        help_text=_("A manager sees every customer only when ticked here, otherwise only their regions' customers; "
                    "a manager with neither sees nothing"))
    salesperson_name = forms.CharField(
        label=_("Salesperson name (as in the ERP)"), max_length=64, required=False,
        help_text=_("For the salesperson role: links the imported salesperson of that name, or creates one"))


class UserCreateForm(UserRoleForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    field_order = ["username", "first_name", "email", "password1", "password2", "role", "regions", "company_wide",
                   "salesperson_name"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class PasswordForm(AdminErrorMixin, forms.Form):
    password1 = forms.CharField(label=_("New password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("New password again"), widget=forms.PasswordInput, strip=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class DeactivateForm(AdminErrorMixin, forms.Form):
    reassign_to = forms.ModelChoiceField(label=_("Hand their customers to"), queryset=Salesperson.objects.none(),
                                         required=False, help_text=_("Leave empty to keep them where they are"))

    def __init__(self, *args: Any, salesperson: Salesperson | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        targets = Salesperson.objects.filter(user__is_active=True)
        if salesperson is not None:
            targets = targets.exclude(pk=salesperson.pk)
        cast(forms.ModelChoiceField, self.fields["reassign_to"]).queryset = targets


class MergeForm(AdminErrorMixin, forms.Form):
    survivor = forms.CharField(label=_("Keep this customer (code)"), max_length=32)
    merged = forms.CharField(label=_("Merge this duplicate into it (code)"), max_length=32)
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class TokenForm(forms.Form):
    """Name and term of a new API key (issue 17 item 6): every key expires; a year unless chosen otherwise."""

    TERMS = [(30, _("30 days")), (90, _("90 days")), (180, _("180 days")), (365, _("1 year")), (730, _("2 years"))]

    name = forms.CharField(label=_("Token name"), max_length=64, required=False,
                           help_text=_("Who or what uses it, e.g. the ERP export"))
    days = forms.TypedChoiceField(label=_("Expires after"), choices=TERMS, coerce=int, initial=365, required=False)

    def clean_days(self) -> int:
        return self.cleaned_data.get("days") or 365  # a form posted without a term gets the default year
