"""The campaign form (managers and admins): the service validates the SMS template and its length."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

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
