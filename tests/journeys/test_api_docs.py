"""Defect 9: /api/docs/ renders Swagger UI from this site's own static files under the app's CSP (self only)."""

import pytest

from tests.journeys.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_docs_page_loads_nothing_from_elsewhere_and_no_inline_script(client, manager_user):
    client.force_login(manager_user)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn." not in html and "//unpkg" not in html
    assert "<script>" not in html  # the start-up script is its own request: the CSP allows no inline script
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "http" not in csp
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


@pytest.mark.browser
def test_docs_render_the_operations_in_the_browser(journey, manager_user):
    j = journey("api-docs")
    page = j.page()
    j.login(page, manager_user.username)
    assert PASSWORD
    page.goto(f"{j.base}/api/docs/")
    page.locator(".opblock").first.wait_for(timeout=30000)
    count = page.locator(".opblock").count()
    j.expect(count >= 20, f"the docs list the API's operations (found {count})")
    j.expect("/api/v1/customers/" in page.locator("#swagger-ui").inner_text(), "the customers endpoint is listed")
    j.shot(page, "docs")
    j.finish()
