"""A refused page logs one line, not a traceback; a server error keeps its traceback (config.log_filters)."""

import io
import logging

import pytest


@pytest.fixture
def console():
    """The console handler LOGGING installs on the root logger, writing into a buffer for the test."""
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)
                   and any(type(f).__name__ == "ClientErrorsWithoutTraceback" for f in h.filters))
    buffer = io.StringIO()
    old = handler.setStream(buffer)
    yield buffer
    handler.setStream(old)


@pytest.mark.django_db
def test_a_forbidden_page_is_one_line_and_a_server_error_keeps_its_stack(client, console, django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("s1", password="pw")
    user.groups.add(Group.objects.get_or_create(name="salesperson")[0])
    client.force_login(user)
    assert client.get("/settings/users/").status_code == 403
    text = console.getvalue()
    assert "Forbidden" in text and "/settings/users/" in text and "Traceback" not in text
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("django.request").error("Internal Server Error: /x/", exc_info=True,
                                                  extra={"status_code": 500})
    assert "Traceback" in console.getvalue() and "RuntimeError: boom" in console.getvalue()
