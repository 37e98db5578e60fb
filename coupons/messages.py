"""The text a customer reads: signature + campaign template with its variables + the opt-out line."""

import string
from typing import Any

from django.utils.translation import gettext as _

from core.exceptions import DomainError

from . import conf
from .sms.segments import Segments, segment_count

VARIABLES = ("name", "code", "value", "valid_to", "company")
SAMPLE_NAME = "示例客户名称十个字"  # a long-ish shop name, for the length check of a template


class CouponError(DomainError):
    """A send or campaign change the coupons services refuse, with a message a user can read."""


def template_errors(template: str) -> list[str]:
    """Problems of an SMS template: unknown variables, format specs, unbalanced braces."""
    errors: list[str] = []
    try:
        parsed = [(f, spec, conv) for _lit, f, spec, conv in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        return [_("the template has an unbalanced brace: %(error)s (write {{ and }} for literal braces)")
                % {"error": exc}]
    allowed = " ".join("{" + v + "}" for v in VARIABLES)
    for name, _spec, _conv in parsed:
        if name not in VARIABLES:
            errors.append(_("unknown variable {%(name)s}; use %(allowed)s") % {"name": name, "allowed": allowed})
    if template.strip() and not errors and "code" not in {name for name, _spec, _conv in parsed}:
        errors.append(_("the template must contain {code}: each customer gets their own coupon code"))
    if any(spec or conv for _name, spec, conv in parsed):
        errors.append(_("variables take no format: write {name}, not {name:...} or {name!r}"))
    if not template.strip():
        errors.append(_("the template is empty"))
    return errors


def message_render(template: str, *, name: str, code: str, value: str, valid_to: Any) -> str:
    """The full SMS: signature, the filled template, then the opt-out line (回T退订), as the customer reads it."""
    company = conf.company_name()
    body = template.format_map({
        "name": name, "code": code, "value": value, "company": company,
        "valid_to": valid_to.isoformat() if hasattr(valid_to, "isoformat") else str(valid_to),
    })
    signature = str(conf.get("SMS_SIGNATURE") or "").format(company=company)
    opt_out = str(conf.get("SMS_OPT_OUT_LINE") or "")
    if opt_out and not body.rstrip().endswith(opt_out):
        body = f"{body.rstrip()} {opt_out}"
    return f"{signature}{body}"


def campaign_values(campaign: Any, *, name: str, code: str) -> dict[str, str]:
    """The product's variables for one customer of a campaign."""
    valid_to = campaign.valid_to
    return {"name": name, "code": code, "value": campaign.value_number, "company": conf.company_name(),
            "valid_to": valid_to.isoformat() if hasattr(valid_to, "isoformat") else str(valid_to or "")}


def campaign_params(campaign: Any, *, name: str, code: str) -> dict[str, Any]:
    """What a queued row keeps for the provider: template, signature, the variables (empty for free text).

    Frozen at queue time like the text, so editing the campaign never changes a message already queued.
    """
    if not campaign.provider:
        return {}
    from .sms.templates import template_params

    values = campaign_values(campaign, name=name, code=code)
    return {"provider": campaign.provider, "template": campaign.provider_template_id,
            "sign": campaign.provider_sign_name,
            "vars": template_params(campaign.provider, campaign.provider_variables or {}, values)}


def campaign_message(campaign: Any, *, name: str, code: str) -> str:
    """The text the customer reads: the approved provider template filled in, or the free-text template."""
    if campaign.provider:
        from .sms.templates import template_render

        params = campaign_params(campaign, name=name, code=code)
        return template_render(campaign.provider, campaign.provider_template_text, campaign.provider_sign_name,
                               params["vars"])
    return message_render(
        campaign.sms_template, name=name, code=code, value=campaign.value_number, valid_to=campaign.valid_to
    )


def template_sample(template: str, *, value: str, valid_to: Any) -> tuple[str, Segments]:
    """The template filled with a sample customer and code, and its segment count (the form's length check)."""
    from .services.codes import SAMPLE_CODE

    text = message_render(template, name=SAMPLE_NAME, code=SAMPLE_CODE, value=value, valid_to=valid_to)
    return text, segment_count(text)
