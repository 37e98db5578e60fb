""""Send a test to my own phone" (issue 19 point 5): the campaign's real message, with a sample code."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from coupons.messages import CouponError, campaign_message, campaign_params
from coupons.models import Campaign
from coupons.sms import SendResult, SmsMessage, backend_for
from customers.models import Salesperson
from customers.phones import normalize_mobile
from customers.services import audit

from .codes import SAMPLE_CODE


def test_send_mobile(*, user: Any) -> str:
    """The user's own mobile, when the product knows it (a salesperson's)."""
    return Salesperson.objects.filter(user=user).values_list("mobile", flat=True).first() or ""


def campaign_test_send(*, user: Any, campaign: Campaign, mobile: str) -> SendResult:
    """Send the campaign's message (through its provider, template and signature) to `mobile`, once.

    Not a coupon: the sample code is not valid at the till, no row is written, the daily cap does not count it.
    """
    try:
        number = normalize_mobile(mobile or test_send_mobile(user=user))
    except ValidationError as exc:
        raise CouponError(_("enter your own mobile number")) from exc
    if not number:
        raise CouponError(_("enter your own mobile number"))
    name = user.get_full_name() or user.get_username()
    params = campaign_params(campaign, name=name, code=SAMPLE_CODE)
    message = SmsMessage(to=number, body=campaign_message(campaign, name=name, code=SAMPLE_CODE),
                         reference=f"test-{campaign.pk}", marketing=campaign.marketing,
                         template=params.get("template", ""), sign_name=params.get("sign", ""),
                         params=params.get("vars"), batch=f"test-{campaign.pk}")
    backend = backend_for(campaign.provider)
    with backend:
        [result] = backend.send_messages([message])
    audit(user=user, action="coupon_test_send", target=f"campaign:{campaign.pk}", mobile=number,
          status=result.status)
    return result
