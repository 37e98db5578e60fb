"""IDOR matrix (issue 7 item 3): a salesperson against another salesperson's customers, a regional manager against
another region's, over every page and endpoint that carries a customer code, a customer-owned row id, or shows
customer rows (lists, filters, exports, dashboard figures and the links behind them, the worklist, coupon pages).

Rule: what belongs to a customer the actor may not see answers exactly like a row that does not exist (404 where
the actor's role may use the endpoint; the same 403 as for any row where it may not), and no page, file or JSON
the actor receives names it (code, name or mobile).

test_every_route_is_classified fails when a URL pattern is added without a row here: a customer-bearing one must go
into ROUTE_PROBES, any other into NOT_CUSTOMER_BEARING with the reason.
"""

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import openpyxl
import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from coupons.models import CouponIssue
from customers.models import Visit
from tests.security.conftest import MOBILES, NAMES, World

# actor -> the codes it must never see
PAIRS = {"sales1": ("00201", "00202"), "south_manager": ("00201",)}
MISSING_CODE, MISSING_ID = "99999", 999999


def leaks(text: str, codes: tuple[str, ...], *, typed: str = "") -> list[str]:
    """Which of the hidden customers' codes, names or mobiles appear in `text`, leaving out what the actor typed
    (`typed`: a 404 page repeats the path, a search box or the send dialog repeats the query)."""
    found = []
    for code in codes:
        for marker in (code, NAMES[code], MOBILES[code][3:], MOBILES[code][-8:]):
            if marker in text and marker not in typed:
                found.append(marker)
    return found


def page(world: World, actor: str) -> Client:
    client = Client()
    client.force_login(world.users[actor])
    return client


def api(world: World, actor: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[actor]}")
    return client


@dataclass(frozen=True)
class Probe:
    """One request about a row: `url(world, code)` for a hidden code (or MISSING_CODE), `method`, `api` or page."""

    url: Callable[[World, str], str]
    method: str = "get"
    api: bool = False
    data: dict | None = None


def _issue(w: World, code: str) -> int:
    return w.issues.get(code, MISSING_ID)


def _visit(w: World, code: str) -> int:
    return w.visits.get(code, MISSING_ID)


def _send_request(w: World, code: str) -> int:
    # The send request that queued the hidden customer's coupon (made by its own salesperson).
    if code == MISSING_CODE:
        return MISSING_ID
    return CouponIssue.objects.get(pk=w.issues[code]).send_request_id


ROUTE_PROBES: dict[str, Probe] = {
    "cockpit:customer_profile": Probe(lambda w, c: f"/customers/{c}/"),
    "cockpit:visit_create": Probe(lambda w, c: f"/customers/{c}/visits/", "post",
                                  data={"date": "2025-03-20", "kind": "onsite", "note": "x"}),
    "settings_people:override": Probe(lambda w, c: f"/settings/customers/{c}/override/"),
    "settings_people:override_clear": Probe(lambda w, c: f"/settings/customers/{c}/override/clear/", "post"),
    "coupons:send_request": Probe(lambda w, c: f"/coupons/requests/{_send_request(w, c)}/"),
    "coupons:send_request_issues": Probe(lambda w, c: f"/coupons/requests/{_send_request(w, c)}/issues/"),
    "customer-detail": Probe(lambda w, c: f"/api/v1/customers/{c}/", api=True),
    "snapshot-detail": Probe(lambda w, c: f"/api/v1/snapshots/{c}/", api=True),
    "customer-override-detail": Probe(lambda w, c: f"/api/v1/customer-overrides/{c}/", api=True),
    "visit-detail": Probe(lambda w, c: f"/api/v1/visits/{_visit(w, c)}/", api=True),
    "coupon-issue-detail": Probe(lambda w, c: f"/api/v1/coupon-issues/{_issue(w, c)}/", api=True),
}
# Routes checked by the list / filter / export / dashboard tests below (no argument, but they show customer rows).
ROWS_COVERED = {
    "cockpit:home", "cockpit:dashboard_outcomes", "cockpit:customer_list", "cockpit:customer_export_csv",
    "cockpit:customer_export_xlsx",
    "worklist:index", "coupons:campaign_list", "coupons:send", "coupons:campaign_detail", "coupons:campaign_issues",
    "customer-list", "snapshot-list", "visit-list", "coupon-issue-list", "campaign-preview", "campaign-send",
    "campaign-detail",
    "settings_people:reassign_picker",  # customer search of the reassign page: scoped, tests/tuning/test_reassign.py
}
NOT_CUSTOMER_BEARING = {
    # no customer rows at all
    "login": "sign-in form", "logout": "sign-out", "set_language": "language switch", "healthz": "liveness probe",
    "schema": "the OpenAPI document", "api-docs": "Swagger UI",
    "coupons:campaign_create": "campaign form (campaigns are shared by every role)",
    "coupons:campaign_edit": "campaign form (campaigns are shared by every role)",
    "coupons:template_preview": "renders a sample message, no customer",
    "cockpit:customer_columns": "saves the user's own choice of list columns (keys of cockpit.columns), no customer",
    "campaign-list": "campaigns are shared by every role; counts are checked on the campaign pages",
    "sms-receipts": "gateway callback, token-checked, answers counts only",
    "sms-replies": "gateway callback, token-checked, answers the opted-out codes to the gateway only",
    "sms-provider-callback": "Aliyun / Tencent callback, secret in the URL, answers the provider's fixed reply only",
    "coupons:campaign_test_send": "sends the campaign's sample message to the user's own phone, no customer",
    "coupons:sms_alert_clear": "manager only, a provider alert, no customer",
    "coupons:campaign_requeue_failed": "manager only; requeues only failed rows in the manager's scope "
                                       "(tests/coupons/test_provider_campaigns.py)",
    # admin / manager settings: role-gated, scoping tested in tests/tuning/test_permissions.py
    "settings_people:index": "settings menu", "settings_people:reassign": "manager form; scoped choices (tuning)",
    "settings_people:merge": "admin only (tuning)", "settings_people:users": "admin only",
    "settings_people:user_new": "admin only", "settings_people:user": "admin only, a user not a customer",
    "settings_people:user_password": "admin only", "settings_people:user_token": "admin only",
    "settings_people:user_token_revoke": "admin only", "settings_people:user_deactivate": "admin only",
    "settings_people:user_activate": "admin only", "user-list": "admin only", "user-detail": "admin only",
    "user-activate": "admin only", "user-deactivate": "admin only", "user-password": "admin only",
    "user-token": "admin only", "reassignment-list": "manager write; scoped in tests/tuning/test_reassign.py",
    "customer-merge-list": "admin only write",
    # company-level figures and policy: no customer rows
    "settings_grading:grading": "admin policy editor", "settings_grading:preview": "admin policy preview",
    "settings_grading:history": "admin", "settings_grading:restore": "admin, a policy version",
    "settings_grading:recompute": "admin", "analytics:job": "admin, a recompute job",
    "period-list": "totals over the caller's customers (tests/security/test_aggregate_scope.py)",
    "period-detail": "totals over the caller's customers (tests/security/test_aggregate_scope.py)",
    "settings_grading:recompute_form": "admin, the recompute button",
    "settings_grading:churn_train": "admin, starts a churn-model training job",
    "settings_grading:churn_train_form": "admin, the train button and its job",
    "churn_backtest_card": "admin, the model-against-baselines table (company-level metrics, no customer rows)",
    "analytics:first_fill": "any signed-in user, the count of months a fresh install has computed",
    "pipeline_health": "admin, the pipeline checks (no customer rows)",
    "snapshot-run-list": "admin, runs", "snapshot-run-detail": "admin, a run", "policy-list": "policy versions",
    "policy-detail": "a policy version", "api-imports": "admin only, import batches",
    "api-import-detail": "an import batch: admins any, others only their own (tests/sales/test_import_api.py)",
}


def _routes() -> list[tuple[str, str | None]]:
    def walk(resolver: URLResolver, prefix: str, ns: str):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                yield from walk(p, prefix + str(p.pattern), ns + (f"{p.namespace}:" if p.namespace else ""))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), (ns + p.name) if p.name else None

    return [(r, n) for r, n in walk(get_resolver(), "", "") if not r.startswith("admin/")]


def test_every_route_is_classified():
    unclassified = [(route, name) for route, name in _routes()
                    if name not in ROUTE_PROBES and name not in ROWS_COVERED and name not in NOT_CUSTOMER_BEARING]
    assert unclassified == [], "add each new route to the IDOR matrix (ROUTE_PROBES / ROWS_COVERED) or say why not"
    with_argument = {name for route, name in _routes() if re.search(r"<|\(\?P<", route)}
    assert with_argument - set(NOT_CUSTOMER_BEARING) <= set(ROUTE_PROBES) | {"campaign-detail", "campaign-preview",
                                                                             "campaign-send", "coupons:campaign_detail",
                                                                             "coupons:campaign_issues"}


def _probe(world: World, actor: str, probe: Probe, code: str):
    client = api(world, actor) if probe.api else page(world, actor)
    url = probe.url(world, code)
    if probe.method == "post":
        return client.post(url, probe.data or {})
    return client.get(url)


@pytest.mark.parametrize("actor", sorted(PAIRS))
@pytest.mark.parametrize("route", sorted(ROUTE_PROBES))
def test_hidden_row_answers_like_a_missing_one(world, actor, route):
    probe = ROUTE_PROBES[route]
    visits, issues = Visit.objects.count(), CouponIssue.objects.count()
    missing = _probe(world, actor, probe, MISSING_CODE)
    assert missing.status_code in (403, 404), (route, missing.status_code)
    for code in PAIRS[actor]:
        response = _probe(world, actor, probe, code)
        assert response.status_code == missing.status_code, (route, code, response.status_code)
        assert not leaks(response.content.decode(), (code,), typed=code), route
    assert (Visit.objects.count(), CouponIssue.objects.count()) == (visits, issues)


@pytest.mark.parametrize("route", ["cockpit:customer_profile", "customer-detail", "snapshot-detail", "visit-detail",
                                   "coupon-issue-detail"])
def test_own_row_is_reachable(world, route):
    """The other half of the matrix: the same URLs work for a customer the actor owns (so the 404s mean scoping)."""
    assert _probe(world, "sales1", ROUTE_PROBES[route], "00101").status_code == 200
    assert _probe(world, "south_manager", ROUTE_PROBES[route], "00202").status_code == 200


def _searches(world: World, code: str) -> list[str]:
    return [code, NAMES[code], MOBILES[code][3:], MOBILES[code][-4:]]


@pytest.mark.parametrize("actor", sorted(PAIRS))
def test_api_lists_and_filters_never_return_hidden_rows(world, actor):
    client = api(world, actor)
    hidden = PAIRS[actor]
    other_sp = "李四" if actor == "sales1" else None
    urls = ["/api/v1/customers/", "/api/v1/snapshots/", "/api/v1/snapshots/?period=2025-02", "/api/v1/visits/",
            "/api/v1/coupon-issues/", f"/api/v1/coupon-issues/?campaign={world.campaign.pk}"]
    for code in hidden:
        for term in _searches(world, code):
            urls += [f"/api/v1/customers/?search={term}", f"/api/v1/snapshots/?search={term}"]
        urls += [f"/api/v1/customers/?code={code}", "/api/v1/snapshots/?region=北京",
                 "/api/v1/customers/?region=北京"]
    if other_sp:
        urls += [f"/api/v1/customers/?salesperson={other_sp}", f"/api/v1/snapshots/?salesperson={other_sp}"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not leaks(response.content.decode(), hidden), url


@pytest.mark.parametrize("actor", sorted(PAIRS))
def test_pages_filters_and_exports_never_show_hidden_rows(world, actor):
    client = page(world, actor)
    hidden = PAIRS[actor]
    other_sp = world.salespeople["sales2"].pk
    queries = ["", f"salesperson={other_sp}", "period=2025-02", "grade=A&grade=B&grade=C&grade=D"]
    for code in hidden:
        queries += [f"q={term}" for term in _searches(world, code)]
    for query in queries:
        for path in ("/customers/", "/", "/dashboard/outcomes/", "/worklist/"):
            response = client.get(f"{path}?{query}")
            assert response.status_code == 200, (path, query)
            assert not leaks(response.content.decode(), hidden, typed=query), (path, query)
        rows = client.get(f"/customers/?{query}").context["page"].object_list
        assert not {row.code for row in rows} & set(hidden)
        csv_body = client.get(f"/customers/export.csv?{query}").content.decode("utf-8-sig")
        assert not leaks(csv_body, hidden), query
        codes = [row[0] for row in csv.reader(io.StringIO(csv_body))][1:]
        assert not set(codes) & set(hidden)
        book = openpyxl.load_workbook(io.BytesIO(client.get(f"/customers/export.xlsx?{query}").content))
        cells = " ".join(str(v) for row in book.active.iter_rows(values_only=True) for v in row if v is not None)
        assert not leaks(cells, hidden), query


@pytest.mark.parametrize("actor", sorted(PAIRS))
def test_every_link_on_the_dashboard_stays_in_scope(world, actor):
    """Tiles, grade bars and matrix cells link to the customer list; none of those lists shows a hidden row."""
    client = page(world, actor)
    html = client.get("/?period=2025-03").content.decode()
    links = set(re.findall(r'href="(/customers/\?[^"]+)"', html))
    assert len(links) >= 15  # tiles, grade bars, transition matrix cells
    for link in sorted(links):
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200 and not leaks(response.content.decode(), PAIRS[actor]), link


@pytest.mark.parametrize("actor", sorted(PAIRS))
def test_coupon_pages_and_sends_ignore_hidden_customers(world, actor):
    hidden = PAIRS[actor]
    cid = world.campaign.pk
    client = page(world, actor)
    for url in ("/coupons/", f"/coupons/{cid}/", f"/coupons/{cid}/issues/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not leaks(response.content.decode(), hidden), url
    dialog = client.get(f"/coupons/send/?campaign={cid}&codes={','.join(hidden)}")
    assert dialog.status_code == 200
    assert not leaks(dialog.content.decode(), hidden, typed=",".join(hidden))  # the codes typed come back in the form
    assert dialog.context["preview"].recipients == 0
    before = set(CouponIssue.objects.values_list("pk", flat=True))
    response = client.post("/coupons/send/", {"campaign": cid, "codes": ",".join(hidden), "idempotency_key": "k1"},
                           follow=True)
    assert not leaks(response.content.decode(), hidden, typed=",".join(hidden))
    rest = api(world, actor)
    preview = rest.post(f"/api/v1/campaigns/{cid}/preview/", {"codes": list(hidden)}, format="json")
    assert not leaks(preview.content.decode(), hidden, typed=",".join(hidden))
    assert preview.status_code == 400 or json.loads(preview.content)["recipients"] == 0
    send = rest.post(f"/api/v1/campaigns/{cid}/send/", {"codes": list(hidden)}, format="json",
                     HTTP_IDEMPOTENCY_KEY="k2")
    assert not leaks(send.content.decode(), hidden, typed=",".join(hidden))
    assert set(CouponIssue.objects.values_list("pk", flat=True)) == before  # nothing queued for anyone
