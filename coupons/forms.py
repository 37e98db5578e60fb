"""The campaign form (managers and admins): the service validates the SMS template and its length."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Campaign
from .services import campaign_validate
from .services.campaigns import FIELDS


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = list(FIELDS)
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "sms_template": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "sms_template": _(
                "Variables: {name} the customer's name; {code} their own coupon code (required); {value} the bare "
                "number, 50 for ¥50 off or 8.5 for 8.5折, so write “送您{value}元优惠券” or “{value}折”; {valid_to} "
                "the last valid day (2026-12-31); {company} your company's name."
            ),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        probe = Campaign(**{name: data.get(name) for name in FIELDS})
        try:
            campaign_validate(probe)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return data
