"""The joins between the features: the cockpit's graded book (tests/cockpit/conftest.py) and a usable campaign."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from coupons import sms
from coupons.models import Campaign
from tests.cockpit.conftest import graded  # noqa: F401 - the shared fixture, re-exported for these tests
from tests.cockpit.test_browser import browser, open_page  # noqa: F401 - headless Chromium, console errors fail

TEMPLATE = "{name}您好，送您{value}优惠券，券码{code}，{valid_to}前有效。"


@pytest.fixture(autouse=True)
def _sms_settings(settings):
    """Any hour of the day: no quiet hours, no rate-limit wait; the in-memory outbox starts empty."""
    settings.SMS_QUIET_HOURS = ""
    settings.SMS_RATE_PER_SECOND = 0
    settings.COMPANY_NAME = "示例商贸"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def campaign(db, admin_user):
    today = timezone.localdate()
    return Campaign.objects.create(
        name="春季回馈", kind=Campaign.Kind.FACE_VALUE, value=Decimal("20.00"), min_spend=Decimal("200.00"),
        valid_from=today, valid_to=today + dt.timedelta(days=30), sms_template=TEMPLATE, created_by=admin_user,
    )


def list_codes(client, query: str = "") -> set[str]:
    """Every customer code the list shows for `query` (all pages)."""
    response = client.get(f"/customers/?{query}")
    assert response.status_code == 200
    return {row.code for row in response.context["page"].paginator.object_list}
