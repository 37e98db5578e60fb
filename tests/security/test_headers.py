"""Security headers and the Content-Security-Policy on every page (issue 7 item 4), and login on every route.

Each role GETs every page URL pattern that takes no argument, plus the profile of a customer it may see, a campaign
page and a send-request page: each answer carries a CSP whose script-src has no 'unsafe-inline' (nor
'unsafe-eval'), nosniff, a Referrer-Policy and X-Frame-Options DENY (or frame-ancestors 'none'); its HTML has no
inline script (every <script> has a src and no body, unless it is a JSON data block), no on*= handler and no
javascript: URL. Without a session every page redirects to the login page; without credentials every API
endpoint answers 401/403, and the SMS callbacks answer 403 without their token.
"""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

ROLES = ["admin", "manager", "south_manager", "sales1"]
# Pages that are not HTML documents or are reachable without a login on purpose.
OPEN = {"login", "healthz", "set_language"}
NOT_A_PAGE = {"logout", "set_language", "cockpit:customer_export_csv", "cockpit:customer_export_xlsx"}
POST_ONLY = {"coupons:template_preview", "settings_grading:preview", "settings_grading:recompute",
             "settings_grading:churn_train", "cockpit:customer_columns"}
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


def _routes() -> list[tuple[str, str | None, bool]]:
    """(route, name, takes an argument) of every pattern outside the Django admin."""

    def walk(resolver: URLResolver, prefix: str, ns: str):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                yield from walk(p, prefix + str(p.pattern), ns + (f"{p.namespace}:" if p.namespace else ""))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                yield route, (ns + p.name) if p.name else None, bool(re.search(r"<|\(\?P<", route))

    return [r for r in walk(get_resolver(), "", "") if not r[0].startswith("admin/")]


def _path(route: str) -> str:
    return "/" + route.replace("^", "").replace("$", "")


PAGES = [(_path(r), n) for r, n, arg in _routes() if not arg and not r.startswith("api/") and n not in NOT_A_PAGE
         and n not in OPEN]
API = [(r, n) for r, n, arg in _routes() if r.startswith("api/v1/")]


class ScriptAudit(HTMLParser):
    """Collects inline scripts, event-handler attributes and javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script: dict | None = None
        self._body: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            if value and re.match(r"\s*javascript:", value, re.IGNORECASE):
                self.problems.append(f"<{tag} {name}={value!r}> javascript: URL")
        if tag == "script":
            self.scripts += 1
            self._in_script, self._body = attributes, []

    def handle_data(self, data):
        if self._in_script is not None:
            self._body.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._in_script is not None:
            body, attrs = "".join(self._body).strip(), self._in_script
            if attrs.get("type") not in DATA_SCRIPT_TYPES and (body or not attrs.get("src")):
                self.problems.append(f"inline <script {attrs}>{body[:60]}")
            self._in_script = None


def _csp(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def assert_secure_page(response, url: str) -> int:
    """The checks of the module docstring; returns how many <script> elements the page has."""
    assert response.status_code == 200, (url, response.status_code)
    csp = _csp(response)
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts is not None, f"{url}: no script-src in CSP"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, url
    assert response["X-Content-Type-Options"] == "nosniff", url
    assert response.get("Referrer-Policy"), url
    assert response.get("X-Frame-Options") == "DENY" or csp.get("frame-ancestors") == ["'none'"], url
    audit = ScriptAudit()
    audit.feed(response.content.decode())
    assert audit.problems == [], url
    return audit.scripts


def _extra_pages(world, role: str) -> list[str]:
    own = {"admin": "00201", "manager": "00201", "south_manager": "00202", "sales1": "00101"}[role]
    pages = [f"/customers/{own}/", f"/coupons/{world.campaign.pk}/", f"/coupons/{world.campaign.pk}/edit/",
             f"/coupons/send/?campaign={world.campaign.pk}&codes={own}", "/accounts/login/",
             f"/settings/customers/{own}/override/"]
    if role == "sales1":
        pages.append(f"/coupons/requests/{world.send_requests['sales1']}/")
    return pages


def test_every_page_is_classified():
    assert len(PAGES) >= 15
    assert ("/", "cockpit:home") in PAGES and ("/worklist/", "worklist:index") in PAGES


@pytest.mark.parametrize("role", ROLES)
def test_every_page_has_a_strict_csp_and_no_inline_script(world, role):
    client = Client()
    client.force_login(world.users[role])
    checked = scripts = 0
    for url, name in [*PAGES, *((u, u) for u in _extra_pages(world, role))]:
        response = client.get(url)
        if name in POST_ONLY:
            assert response.status_code in (403, 405), url  # a refused role, or a GET to a POST-only view
            continue
        if response.status_code in (403, 404) and role != "admin":
            continue  # a settings page this role may not open; admin opens them all
        scripts += assert_secure_page(response, url)
        checked += 1
    assert checked >= 10 and scripts >= checked  # every page loads its scripts from files, and was audited


def test_login_page_is_secure_too():
    response = Client().get("/accounts/login/")
    assert_secure_page(response, "/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "name"), PAGES)
def test_every_page_needs_a_login(url, name):
    response = Client().get(url)
    assert response.status_code == 302, (url, response.status_code)
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name"), API)
def test_every_api_endpoint_refuses_anonymous(route, name, settings):
    settings.SMS_CALLBACK_TOKEN = "callback-secret"
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: "2025-01" if m[1] == "period" else "1", _path(route))
    path = re.sub(r"<(?:\w+:)?\w+>", "1", path)  # path() converters such as <int:pk>
    client = Client()
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        if response.status_code == 405:
            continue
        assert response.status_code in (401, 403), (method, path, response.status_code)
        assert response["Content-Type"].startswith("application/json"), path


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/sms/receipts/", "/api/v1/sms/replies/"])
def test_sms_callbacks_need_their_token(path, settings):
    settings.SMS_CALLBACK_TOKEN = "callback-secret"
    client = Client()
    assert client.post(path, "[]", content_type="application/json").status_code == 403
    wrong = client.post(path, "[]", content_type="application/json", HTTP_X_CALLBACK_TOKEN="wrong")
    assert wrong.status_code == 403
    right = client.post(path, "[]", content_type="application/json", HTTP_X_CALLBACK_TOKEN="callback-secret")
    assert right.status_code in (200, 400)  # past the token check: the body is judged now
