"""The joins between the features: the cockpit's graded book (tests/cockpit/conftest.py) and a usable campaign."""

import pytest

from coupons import sms
from tests.cockpit.conftest import graded  # noqa: F401 - the shared fixture, re-exported for these tests
from tests.cockpit.test_browser import browser, open_page  # noqa: F401 - headless Chromium, console errors fail
from tests.coupons.conftest import campaign  # noqa: F401 - the coupons tests' usable campaign, shared


@pytest.fixture(autouse=True)
def _sms_settings(settings):
    """Any hour of the day: no quiet hours, no rate-limit wait; the in-memory outbox starts empty."""
    settings.SMS_QUIET_HOURS = ""
    settings.SMS_RATE_PER_SECOND = 0
    settings.COMPANY_NAME = "示例商贸"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def list_codes(client, query: str = "") -> set[str]:
    """Every customer code the list shows for `query` (all pages)."""
    response = client.get(f"/customers/?{query}")
    assert response.status_code == 200
    return {row.code for row in response.context["page"].paginator.object_list}
