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
    codes: set[str] = set()
    number, last = 1, 1
    while number <= last:
        response = client.get(f"/customers/?{query}&page={number}")
        assert response.status_code == 200
        page = response.context["page"]
        codes |= {row.code for row in page.object_list}
        number, last = number + 1, page.paginator.num_pages
    return codes
