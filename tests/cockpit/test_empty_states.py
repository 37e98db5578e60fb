"""Empty states (issue 16): a page with nothing to show answers 200 and tells the user what to do next.

Zero customers, zero snapshots, zero rows matching, zero campaigns, zero visits, zero outcomes: each page renders
its empty state (the product's `.empty` block) with an action in it (a link, a button or the command to run),
never a 500, a blank table or a dead end.
"""

import re

import pytest

from tests.factories import UserFactory

EMPTY = re.compile(r"<(\w+)\b[^>]*class=\"[^\"]*\bempty\b[^\"]*\"[^>]*>(.*?)</\1>", re.S)


def empty_state(response) -> str:
    """The first empty-state block of the page (its inner HTML); fails when the page has none."""
    assert response.status_code == 200, response.status_code
    found = EMPTY.search(response.content.decode())
    assert found, "no empty state (an element of class 'empty') on the page"
    return found.group(2)


def says_what_to_do(block: str) -> bool:
    """An action the user can take right there: a link, a button, or the command to run."""
    return bool(re.search(r"<a\s[^>]*href=|<button\b|<code>", block))


@pytest.mark.django_db
def test_zero_customers_dashboard_says_how_to_load_data(client, manager_user):
    client.force_login(manager_user)
    block = empty_state(client.get("/"))
    assert "import_sales" in block and "seed_demo" in block


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/customers/", "/worklist/"])
def test_zero_snapshots_pages_say_how_to_compute_them(client, book, manager_user, url):
    client.force_login(manager_user)
    block = empty_state(client.get(url))
    assert says_what_to_do(block) and "compute_snapshots" in block, block


@pytest.mark.django_db
def test_zero_snapshots_for_a_salesperson(client, book):
    client.force_login(book["sp1"].user)
    for url in ("/", "/customers/", "/worklist/"):
        block = empty_state(client.get(url))
        assert says_what_to_do(block), (url, block)


@pytest.mark.django_db
def test_zero_rows_matching_the_filters_offers_to_clear_them(client, graded, manager_user):
    client.force_login(manager_user)
    response = client.get("/customers/?period=2025-03&grade=A&lifecycle=churned")
    block = empty_state(response)
    assert 'href="/customers/?period=2025-03"' in block  # clear all filters, same month
    htmx = client.get("/customers/?period=2025-03&grade=A&lifecycle=churned", HTTP_HX_REQUEST="true")
    assert 'href="/customers/?period=2025-03"' in empty_state(htmx)


@pytest.mark.django_db
def test_zero_campaigns_manager_is_offered_to_create_one(client, graded, manager_user):
    client.force_login(manager_user)
    response = client.get("/coupons/")
    empty_state(response)
    assert 'href="/coupons/new/' in response.content.decode()


@pytest.mark.django_db
def test_zero_campaigns_salesperson_is_told_who_creates_them(client, graded):
    client.force_login(graded["sp1"].user)
    response = client.get("/coupons/")
    empty_state(response)
    assert 'href="/coupons/new/' not in response.content.decode()


@pytest.mark.django_db
def test_zero_campaigns_send_dialog_links_a_manager_to_create_one(client, graded, manager_user):
    """Defect 5: 'send coupon' with no campaign must not dead-end; the manager gets a link that keeps the selection."""
    client.force_login(manager_user)
    block = empty_state(client.get("/coupons/send/?codes=00101&codes=00102"))
    link = re.search(r'href="(/coupons/new/[^"]*)"', block)
    assert link, f"no link to create a campaign in the send dialog's empty state: {block}"
    assert "00101" in link.group(1) and "00102" in link.group(1), "the selection is lost on the way"


@pytest.mark.django_db
def test_zero_visits_profile_says_how_to_log_one(client, graded, manager_user):
    client.force_login(manager_user)
    response = client.get("/customers/00101/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'action="/customers/00101/visits/"' in html  # the form to log the first one is right there
    assert re.search(r"class=\"[^\"]*\b(empty|muted)\b[^\"]*\"[^>]*>[^<]*(拜访|visit)", html), "no 'no visit yet' note"


@pytest.mark.django_db
def test_zero_outcomes_dashboard_fragment_says_when_they_appear(client, book, manager_user):
    client.force_login(manager_user)
    response = client.get("/dashboard/outcomes/", HTTP_HX_REQUEST="true")
    block = empty_state(response)
    assert "compute_snapshots" in block or says_what_to_do(block), block


@pytest.mark.django_db
def test_zero_policy_versions_history_is_not_blank(client, book):
    admin = UserFactory(username="root", role="admin")
    client.force_login(admin)
    response = client.get("/settings/grading/history/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<tbody>" in html and ("v1" in html or "empty" in html), "neither a version nor an empty state"
