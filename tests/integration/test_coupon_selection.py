"""Coupons from the customer list: checked codes, or "all N matching" (all=1 plus the list's querystring), select
exactly the rows the list shows, and never a customer outside the user's book."""

from urllib.parse import urlencode

import pytest

from coupons import sms
from coupons.messages import CouponError
from coupons.models import CouponIssue
from coupons.selection import selection_resolve
from customers.models import Customer

from .conftest import list_codes

ALL = {"00101", "00102", "00201", "00202", "00203"}


def dialog(client, query: str):
    response = client.get(f"/coupons/send/?{query}")
    assert response.status_code == 200, response.content[:500]
    return response


def selected(response) -> set[str]:
    """Who the dialog would send to: the eligible plus the skipped (each selected customer is one or the other)."""
    preview = response.context["preview"]
    return set(preview.eligible_codes) | {s.code for s in preview.skipped}


@pytest.mark.django_db
def test_three_checked_codes_select_exactly_those_rows(client, graded, manager_user, campaign):
    client.force_login(manager_user)
    shown = list_codes(client)
    three = ["00101", "00201", "00203"]
    assert set(three) <= shown
    response = dialog(client, urlencode([("campaign", campaign.pk), *(("codes", c) for c in three)]))
    assert selected(response) == set(three)
    assert response.context["preview"].recipients == 3


@pytest.mark.django_db
@pytest.mark.parametrize("query", [
    "",
    "grade=B",
    "grade=A&grade=B",  # a repeated key: both values count
    "lifecycle=active&sort=-sales",
    "flag=sales_plunge",
    "q=00201",
    "period=2025-02",
    "period=2025-02&grade=A&grade=B&movement=down",
    "sales_min=10000&orders_min=1",
])
def test_all_matching_selects_exactly_the_lists_rows(client, graded, manager_user, campaign, query):
    client.force_login(manager_user)
    shown = list_codes(client, query)
    qs, description = selection_resolve(user=manager_user, select_all=True,
                                        filters=client.get(f"/customers/?{query}").wsgi_request.GET)
    assert set(qs.values_list("code", flat=True)) == shown
    assert description["all"] is True
    # The list's own link, as the page renders it, opens the dialog on the same rows.
    page = client.get(f"/customers/?{query}")
    link = page.context["coupon_all_url"]
    response = dialog(client, link.split("?", 1)[1] + f"&campaign={campaign.pk}")
    assert selected(response) == shown
    # The dialog carries every filter value on to Confirm (repeated keys included).
    html = response.content.decode()
    for key, value in page.wsgi_request.GET.items():
        assert f'name="{key}" value="{value}"' in html


@pytest.mark.django_db
def test_a_salespersons_all_never_includes_another_salespersons_customers(client, graded, campaign):
    sales1 = graded["sp1"].user
    client.force_login(sales1)
    for query in ("", "grade=A&grade=B&grade=C&grade=D", "q=002", "period=2025-02"):
        qs, _ = selection_resolve(user=sales1, select_all=True,
                                  filters=client.get(f"/customers/?{query}").wsgi_request.GET)
        codes = set(qs.values_list("code", flat=True))
        assert codes <= {"00101", "00102"}, query
        assert codes == list_codes(client, query), query
    # Naming another salesperson's book is refused (the list shows nobody and says the filter is wrong).
    assert list_codes(client, f"salesperson={graded['sp2'].pk}") == set()
    with pytest.raises(CouponError):
        selection_resolve(user=sales1, select_all=True, filters={"salesperson": str(graded["sp2"].pk)})
    # Confirm with all=1: only their own customers get a coupon.
    response = client.post("/coupons/send/", {"campaign": campaign.pk, "all": "1", "idempotency_key": "k-all"})
    assert response.status_code == 302
    assert set(CouponIssue.objects.values_list("customer__code", flat=True)) == {"00101", "00102"}


@pytest.mark.django_db
def test_all_matching_with_a_filter_confirms_to_exactly_the_filtered_rows(client, graded, manager_user, campaign,
                                                                          django_capture_on_commit_callbacks):
    client.force_login(manager_user)
    query = "grade=A&grade=B"
    shown = list_codes(client, query)
    assert shown == {"00101", "00102", "00202"}
    data = {"campaign": campaign.pk, "all": "1", "idempotency_key": "k-ab", "grade": ["A", "B"]}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/coupons/send/", data)
    assert response.status_code == 302 and "/coupons/requests/" in response["Location"]
    assert set(CouponIssue.objects.values_list("customer__code", flat=True)) == shown
    assert CouponIssue.objects.filter(status="sent").count() == 3  # eager tasks, locmem backend


@pytest.mark.django_db
def test_unreadable_list_filters_are_refused_not_widened(client, graded, manager_user, campaign):
    client.force_login(manager_user)
    response = dialog(client, f"all=1&grade=Z&campaign={campaign.pk}")
    assert response.context["error"]
    assert "preview" not in response.context
    response = client.post("/coupons/send/", {"campaign": campaign.pk, "all": "1", "grade": "Z",
                                              "idempotency_key": "k-bad"})
    assert response.status_code == 400
    assert not CouponIssue.objects.exists()


@pytest.mark.django_db
def test_all_without_a_snapshot_selects_nobody(client, book, manager_user, campaign):
    """No computed month: the list shows nobody, so "all matching" is nobody, not every customer on file."""
    assert Customer.objects.count() == 4
    qs, _ = selection_resolve(user=manager_user, select_all=True, filters={})
    assert not qs.exists()


@pytest.mark.django_db
def test_the_list_send_button_and_the_dialog_and_request_pages(client, graded, campaign,
                                                               django_capture_on_commit_callbacks):
    client.force_login(graded["sp1"].user)
    page = client.get("/customers/").content.decode()
    assert 'id="selection-form" action="/coupons/send/" method="get"' in page
    assert 'id="send-coupon"' in page
    response = dialog(client, f"codes=00101&codes=00102&campaign={campaign.pk}")
    html = response.content.decode()
    assert 'id="send-dialog"' in html and 'method="post" action="/coupons/send/"' in html
    # htmx: changing the campaign swaps only the dialog (a fragment, no page around it).
    fragment = client.get(f"/coupons/send/?codes=00101&campaign={campaign.pk}", HTTP_HX_REQUEST="true")
    assert fragment.content.decode().startswith('<section id="send-dialog"')
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        posted = client.post("/coupons/send/", {"campaign": campaign.pk, "codes": ["00101", "00102"],
                                                "idempotency_key": "k-two"})
    request_url = posted["Location"]
    # Before the worker ran: the request page polls its issue table every 2 s while anything is in flight.
    queued = client.get(request_url).content.decode()
    assert f'hx-get="{request_url}issues/"' in queued and 'hx-trigger="every 2s"' in queued
    for callback in callbacks:
        callback()
    # The poll answer once sent: the statuses, and no more polling.
    polled = client.get(f"{request_url}issues/", HTTP_HX_REQUEST="true")
    assert {i.status for i in polled.context["issues"]} == {"sent"}
    assert 'hx-trigger="every 2s"' not in polled.content.decode()
    assert len(sms.outbox) == 2
