"""/favicon.ico: pages outside our base template (the admin, the browsable API, Swagger UI) make the browser ask
for it; a 404 there was the only console error of a whole walk through the product."""

import pytest


@pytest.mark.django_db
def test_the_favicon_is_served_at_the_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body[:4] == b"\x00\x00\x01\x00"  # an icon resource
