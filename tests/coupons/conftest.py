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


ALIYUN_TEXT = "${name}您好，送您${value}元优惠券，券码${code}，${valid_to}前有效，回T退订"
TENCENT_TEXT = "{1}您好，送您{2}元优惠券，券码{3}，{4}前有效，拒收请回复R"


@pytest.fixture
def aliyun(settings):
    """A fake Aliyun SMS on 127.0.0.1, and the settings that point the Aliyun backend at it."""
    from tests.coupons.fakes import AliyunFake

    fake = AliyunFake().start()
    settings.SMS_BACKEND = "coupons.sms.backends.aliyun.SmsBackend"
    settings.SMS_ALIYUN_ENDPOINT = fake.url
    settings.SMS_ALIYUN_ACCESS_KEY_ID = fake.key_id
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = fake.secret
    settings.SMS_GATEWAY_READ_TIMEOUT = 1.0
    settings.SMS_GATEWAY_CONNECT_TIMEOUT = 1.0
    yield fake
    fake.stop()


@pytest.fixture
def tencent(settings):
    from tests.coupons.fakes import TencentFake

    fake = TencentFake().start()
    settings.SMS_BACKEND = "coupons.sms.backends.tencent.SmsBackend"
    settings.SMS_TENCENT_ENDPOINT = fake.url
    settings.SMS_TENCENT_SECRET_ID = fake.key_id
    settings.SMS_TENCENT_SECRET_KEY = fake.secret
    settings.SMS_TENCENT_SDK_APP_ID = fake.app_id
    # Tencent documents 6 characters per variable (the default); these campaigns put the 10-character coupon
    # code in one variable, as an account whose templates take 12 does. test_provider_campaigns checks the 6.
    settings.SMS_TENCENT_VARIABLE_MAX_LENGTH = 12
    settings.SMS_GATEWAY_READ_TIMEOUT = 1.0
    settings.SMS_GATEWAY_CONNECT_TIMEOUT = 1.0
    yield fake
    fake.stop()


def provider_campaign(provider, **extra):
    today = timezone.localdate()
    fields = {
        "aliyun": {"provider_template_id": "SMS_123456789", "provider_template_text": ALIYUN_TEXT,
                   "provider_variables": {"name": "name", "value": "value", "code": "code", "valid_to": "valid_to"}},
        "tencent": {"provider_template_id": "1234567", "provider_template_text": TENCENT_TEXT,
                    "provider_variables": {"1": "name", "2": "value", "3": "code", "4": "valid_to"}},
    }[provider]
    return Campaign.objects.create(
        name=f"{provider}券", kind=Campaign.Kind.FACE_VALUE, value=Decimal("50.00"), valid_from=today,
        valid_to=today + dt.timedelta(days=30), provider=provider, provider_sign_name="示例商贸", **fields, **extra)


@pytest.fixture
def aliyun_campaign(db, aliyun):
    return provider_campaign("aliyun")


@pytest.fixture
def tencent_campaign(db, tencent):
    return provider_campaign("tencent")
