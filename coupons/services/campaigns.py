"""Writes of campaigns: managers and admins create and edit them."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coupons import conf
from coupons.messages import (
    SAMPLE_NAME,
    VARIABLES,
    CouponError,
    campaign_message,
    campaign_values,
    template_errors,
    template_sample,
)
from coupons.models import Campaign
from coupons.sms.segments import segment_count
from coupons.sms.templates import overlong, template_variables, variable_limit
from customers.roles import is_manager_or_admin

from .codes import SAMPLE_CODE

FIELDS = ("name", "kind", "value", "min_spend", "valid_from", "valid_to", "sms_template", "provider",
          "provider_template_id", "provider_sign_name", "provider_template_text", "provider_variables", "marketing",
          "active")
# Wording that tells a customer how to stop marketing messages (回T退订, 拒收请回复R).
OPT_OUT_WORDING = ("退订", "拒收")


def _segments_problem(text: str) -> str | None:
    segments = segment_count(text)
    limit = int(conf.get("SMS_MAX_SEGMENTS"))
    if limit and segments.count > limit:
        return (_("the message takes %(n)d SMS segments (%(chars)d characters); at most %(max)d allowed")
                % {"n": segments.count, "chars": segments.length, "max": limit})
    return None


def _provider_errors(campaign: Campaign) -> dict[str, list[str]]:
    """Issue 19 point 1: every template variable mapped, {code} among them, opt-out wording, the length."""
    errors: dict[str, list[str]] = {}
    for name, label in (("provider_template_id", _("the template code / id")),
                        ("provider_sign_name", _("the signature")),
                        ("provider_template_text", _("the approved template text"))):
        if not str(getattr(campaign, name) or "").strip():
            errors.setdefault(name, []).append(_("%(what)s is required for a provider template") % {"what": label})
    mapping = campaign.provider_variables
    if not isinstance(mapping, dict):
        return {**errors, "provider_variables": [_("the mapping is an object: template variable -> product variable")]}
    wanted = template_variables(campaign.provider, campaign.provider_template_text or "")
    problems = errors.setdefault("provider_variables", [])
    allowed = ", ".join(VARIABLES)
    for var in wanted:
        if var not in mapping:
            problems.append(_("the template variable %(var)s is not mapped") % {"var": var})
    for var, product in mapping.items():
        if var not in wanted:
            problems.append(_("%(var)s is not a variable of the approved template") % {"var": var})
        elif product not in VARIABLES:
            problems.append(_("%(var)s maps to %(product)s; use one of %(allowed)s")
                            % {"var": var, "product": product, "allowed": allowed})
    if "code" not in mapping.values():
        problems.append(_("one template variable must carry the coupon code (code): each customer gets their own"))
    if not problems and campaign.valid_to:
        values = campaign_values(campaign, name=SAMPLE_NAME, code=SAMPLE_CODE)
        for var, product, length in overlong(campaign.provider, mapping, values):
            problems.append(_("%(var)s (%(product)s) is %(n)s characters; the provider takes at most %(max)s per "
                              "variable and a %(product)s is never cut: raise the provider's limit (and the "
                              "setting) or split it in the template")
                            % {"var": var, "product": product, "n": length, "max": variable_limit(campaign.provider)})
    if campaign.marketing and not any(w in (campaign.provider_template_text or "") for w in OPT_OUT_WORDING):
        errors.setdefault("provider_template_text", []).append(
            _("a marketing template must tell how to opt out (for example 回T退订)"))
    if not problems and not errors.get("provider_template_text") and campaign.valid_to:
        text = campaign_message(campaign, name=SAMPLE_NAME, code=SAMPLE_CODE)
        problem = _segments_problem(text)
        if problem:
            errors.setdefault("provider_template_text", []).append(problem)
    return {k: v for k, v in errors.items() if v}


def provider_problems(campaign: Campaign) -> list[str]:
    """The provider template's problems as one list (the form's live preview shows them)."""
    return [message for messages in _provider_errors(campaign).values() for message in messages]


def campaign_validate(campaign: Campaign) -> None:
    """Raise ValidationError (per field) for a bad value, validity range or SMS template (variables, length)."""
    errors: dict[str, list[str]] = {}
    if campaign.provider:
        errors.update(_provider_errors(campaign))
    else:
        problems = template_errors(campaign.sms_template or "")
        if not problems and campaign.value and campaign.valid_to:
            text, _segments = template_sample(campaign.sms_template, value=campaign.value_number,
                                              valid_to=campaign.valid_to)
            problem = _segments_problem(text)
            if problem:
                problems.append(problem)
        if problems:
            errors["sms_template"] = problems
    if campaign.kind == Campaign.Kind.DISCOUNT and campaign.value is not None and campaign.value >= 100:
        errors.setdefault("value", []).append(_("a discount is a percentage below 100"))
    if campaign.value is not None and campaign.value <= 0:
        errors.setdefault("value", []).append(_("the value must be positive"))
    if campaign.min_spend is not None and campaign.min_spend < 0:
        errors.setdefault("min_spend", []).append(_("the minimum spend cannot be negative"))
    if campaign.valid_from and campaign.valid_to and campaign.valid_to < campaign.valid_from:
        errors.setdefault("valid_to", []).append(_("the end is before the start"))
    if errors:
        raise ValidationError(errors)


def _check_role(user: Any) -> None:
    if not is_manager_or_admin(user):
        raise PermissionDenied(_("only managers and admins create or edit campaigns"))


@transaction.atomic
def campaign_create(*, user: Any, **data: Any) -> Campaign:
    """Create a campaign after checking the role, the values and the SMS template (issue 5 point 1)."""
    _check_role(user)
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise CouponError(f"unknown campaign fields: {', '.join(sorted(unknown))}")
    data.setdefault("min_spend", Decimal("0"))
    data.setdefault("provider_variables", {})
    campaign = Campaign(created_by=user, **data)
    campaign_validate(campaign)
    campaign.save()
    return campaign


@transaction.atomic
def campaign_update(*, user: Any, campaign: Campaign, **data: Any) -> Campaign:
    """Edit a campaign; messages already queued keep the text they were queued with."""
    _check_role(user)
    for name, value in data.items():
        if name not in FIELDS:
            raise CouponError(f"unknown campaign field: {name}")
        setattr(campaign, name, value)
    campaign_validate(campaign)
    campaign.sms_error = ""  # a fixed template or signature: sending resumes
    campaign.save()
    return campaign


def campaign_check_usable(campaign: Campaign) -> None:
    """Raise CouponError unless the campaign is active and still valid today."""
    today = timezone.localdate()
    if not campaign.active:
        raise CouponError(_("the campaign %(name)s is not active") % {"name": campaign.name})
    if campaign.valid_to < today:
        raise CouponError(_("the campaign %(name)s ended on %(date)s") % {"name": campaign.name,
                                                                         "date": campaign.valid_to})
