"""The campaign form (managers and admins): the service validates the SMS template and its length."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from .models import Campaign
from .services import campaign_validate
from .services.campaigns import FIELDS

# The provider template's fields refresh the same live preview as the free-text template (htmx).
LIVE_PREVIEW = {"hx-post": reverse_lazy("coupons:template_preview"), "hx-trigger": "input changed delay:400ms",
                "hx-target": "#template-preview", "hx-include": "closest form"}


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = list(FIELDS)
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "sms_template": forms.Textarea(attrs={"rows": 4}),
            "provider_template_text": forms.Textarea(attrs={"rows": 3, **LIVE_PREVIEW}),
            "provider_variables": forms.Textarea(attrs={"rows": 2, **LIVE_PREVIEW}),
        }
        help_texts = {
            "sms_template": _(
                "Variables: {name} the customer's name; {code} their own coupon code (required); {value} the bare "
                "number, 50 for ¥50 off or 8.5 for 8.5折, so write “送您{value}元优惠券” or “{value}折”; {valid_to} "
                "the last valid day (2026-12-31); {company} your company's name."
            ),
            "provider": _("Aliyun or Tencent Cloud send only a template they approved; leave empty for the free-text "
                          "template above (the HTTP gateway)."),
            "provider_template_id": _("Aliyun: the template code (SMS_123456789); Tencent Cloud: the template id."),
            "provider_sign_name": _("The signature the provider approved, without 【】."),
            "provider_template_text": _("The template text exactly as approved: Aliyun variables ${name}, Tencent "
                                        "Cloud variables {1} {2}. The preview fills it in as the customer will "
                                        "read it."),
            "provider_variables": _("Which product variable fills each template variable, e.g. Aliyun "
                                    "{\"name\": \"name\", \"code\": \"code\"}, Tencent Cloud {\"1\": \"name\", "
                                    "\"2\": \"code\"}. Product variables: name, code, value, valid_to, company."),
        }

    def clean_provider_variables(self) -> dict[str, Any]:
        return self.cleaned_data.get("provider_variables") or {}

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
