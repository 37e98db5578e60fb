"""Writes of campaigns: managers and admins create and edit them."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coupons import conf
from coupons.messages import CouponError, template_errors, template_sample
from coupons.models import Campaign
from customers.roles import is_manager_or_admin

FIELDS = ("name", "kind", "value", "min_spend", "valid_from", "valid_to", "sms_template", "active")


def campaign_validate(campaign: Campaign) -> None:
    """Raise ValidationError (per field) for a bad value, validity range or SMS template (variables, length)."""
    errors: dict[str, list[str]] = {}
    problems = template_errors(campaign.sms_template or "")
    if not problems and campaign.value and campaign.valid_to:
        _text, segments = template_sample(campaign.sms_template, value=campaign.value_number,
                                          valid_to=campaign.valid_to)
        limit = int(conf.get("SMS_MAX_SEGMENTS"))
        if limit and segments.count > limit:
            problems.append(_("the message takes %(n)d SMS segments (%(chars)d characters); at most %(max)d allowed")
                            % {"n": segments.count, "chars": segments.length, "max": limit})
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
