"""Coupons fixtures: campaigns, the in-memory SMS outbox, a real local gateway server, no quiet hours."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from coupons import sms
from coupons.models import Campaign
from tests.coupons.gateway import Gateway

TEMPLATE = "{name}您好，送您{value}元优惠券，满额可用，券码{code}，{valid_to}前有效。"


@pytest.fixture(autouse=True)
def _coupon_settings(settings):
    """Tests run at any hour: quiet hours off unless a test turns them on; no waiting on the rate limit."""
    settings.SMS_QUIET_HOURS = ""
    settings.SMS_RATE_PER_SECOND = 0
    settings.SMS_CALLBACK_TOKEN = "callback-secret"
    settings.COMPANY_NAME = "示例商贸"
    # Assertions below read the English messages; zh-Hans (the default) has its own catalogue.
    settings.LANGUAGE_CODE = "en"
    sms.outbox.clear()
    with translation.override("en"):
        yield
    sms.outbox.clear()


@pytest.fixture
def campaign(db, admin_user):
    today = timezone.localdate()
    return Campaign.objects.create(
        name="春季回馈", kind=Campaign.Kind.FACE_VALUE, value=Decimal("20.00"), min_spend=Decimal("200.00"),
        valid_from=today, valid_to=today + dt.timedelta(days=30), sms_template=TEMPLATE, created_by=admin_user,
    )


@pytest.fixture
def gateway():
    server = Gateway().start()
    yield server
    server.stop()
