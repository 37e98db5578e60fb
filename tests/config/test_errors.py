"""Errors shown to users (defect 12): the embedded default serves with DEBUG off, static files through WhiteNoise,
and 403 / 404 / 500 / CSRF-failure pages in the product's style and the user's language, never Django's technical
pages or a traceback."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.template import loader
from django.test import Client

from core.processes import processes_stop
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
TECHNICAL = ("Traceback", "Using the URLconf", "Page not found at", "Exception Value", "kaboom", "DEBUG = True")


def local_settings(env: dict[str, str]) -> str:
    code = ("import config.settings.local as s; "
            "print(s.DEBUG, ','.join(s.ALLOWED_HOSTS), s.INSTALLED_APPS.index('whitenoise.runserver_nostatic') "
            "< s.INSTALLED_APPS.index('django.contrib.staticfiles'), s.WHITENOISE_USE_FINDERS)")
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "ALLOWED_HOSTS")}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env},  # noqa: S603
                            capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_embedded_default_runs_with_debug_off_and_debug_1_turns_it_on():
    assert local_settings({}) == "False 127.0.0.1,localhost,[::1] True True"
    assert local_settings({"DEBUG": "1"}).startswith("True ")


def plain(response) -> str:
    text = response.content.decode()
    for mark in TECHNICAL:
        assert mark not in text, f"technical detail {mark!r} shown to the user"
    return text


@pytest.mark.django_db
def test_404_in_the_products_style_and_language(client):
    client.force_login(UserFactory(username="m", role="manager"))
    text = plain(client.get("/no-such-page/"))
    assert 'class="topbar"' in text and "css/cockpit.css" in text and "未找到" in text
    client.cookies["django_language"] = "en"
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "Not found" in plain(response)


@pytest.mark.django_db
def test_403_in_the_products_style_and_language(client, book):
    client.force_login(book["sp1"].user)
    response = client.get("/settings/grading/")
    assert response.status_code == 403
    text = plain(response)
    assert 'class="topbar"' in text and "无权访问" in text and "403 Forbidden" not in text
    client.cookies["django_language"] = "en"
    assert "Not allowed" in plain(client.get("/settings/grading/"))


@pytest.mark.django_db
def test_500_page_without_details_in_the_users_language(settings):
    settings.ROOT_URLCONF = "tests.config.urls_boom"
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="m", role="manager"))
    response = client.get("/boom/")
    assert response.status_code == 500
    text = plain(response)
    assert "出错了" in text and "css/cockpit.css" in text and 'class="topbar"' in text
    client.cookies["django_language"] = "en"
    assert "Something went wrong" in plain(client.get("/boom/"))
    api = client.get("/api/boom/")
    assert api.status_code == 500 and api.json() == {"detail": "Server error."}


def test_500_template_renders_without_a_request_context():
    html = loader.get_template("500.html").render()
    assert "cockpit.css" in html and "<h1>" in html


@pytest.mark.django_db
def test_csrf_failure_page_in_the_products_language():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    text = plain(response)
    assert "表单已过期" in text and "css/cockpit.css" in text and "CSRF verification failed" not in text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 - our own server on loopback
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def test_runserver_with_the_embedded_default_serves_static_files_and_no_debug_pages(tmp_path):
    """What `make run` starts: runserver on config.settings.local, no variable, no --insecure, no collectstatic."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE", "REDIS_URL")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                fetch(f"{base}/healthz")  # any answer means the server is up (503 here: no worker, no migrations)
                break
            except OSError:
                time.sleep(0.3)
        status, body, headers = fetch(f"{base}/static/css/cockpit.css")
        assert status == 200 and headers["Content-Type"].startswith("text/css") and body
        status, body, _ = fetch(f"{base}/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
        assert status == 200 and len(body) > 100_000
        status, body, _ = fetch(f"{base}/no-such-page/")
        text = body.decode()
        assert status == 404 and "未找到" in text and "Using the URLconf" not in text
    finally:
        processes_stop([server], timeout=20)
