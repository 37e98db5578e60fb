"""plotly.js and htmx are committed static files (static/vendor/), served by WhiteNoise like every other asset."""

import gzip
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client, override_settings
from plotly.offline import get_plotlyjs

VENDOR = Path(settings.BASE_DIR) / "static"
FILES = ["vendor/plotly.js-4.1.1/plotly.min.js", "vendor/htmx-2.0.10/htmx.min.js"]
PRODUCTION_STORAGE = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}  # as in production


def test_the_committed_plotly_js_is_the_one_the_installed_plotly_writes_figures_for():
    # After a plotly upgrade, copy its bundle in (static/vendor/README.md) and rename the folder to its version.
    assert (VENDOR / FILES[0]).read_text(encoding="utf-8") == get_plotlyjs()


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """collectstatic with the production storage (hashed names, gzip copies) into a folder of this test's own;
    the vendor folder alone, since compressing every app's files would cost the suite seconds for nothing."""
    tops = {path.split("/")[0] for finder in get_finders() for path, _storage in finder.list([])}
    storages = {**settings.STORAGES, "staticfiles": PRODUCTION_STORAGE}
    with override_settings(STATIC_ROOT=tmp_path_factory.mktemp("staticfiles"), STORAGES=storages, DEBUG=False):
        call_command("collectstatic", "--noinput", verbosity=0, ignore_patterns=sorted(tops - {"vendor"}))
        yield


@pytest.mark.parametrize("name", FILES)
def test_vendor_files_are_served_by_whitenoise_hashed_compressed_and_cached_for_a_year(collected, name):
    url = static(name)
    assert url.startswith("/static/vendor/") and url != f"/static/{name}"  # the manifest's hashed name
    response = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")  # a new client loads WhiteNoise on these files
    assert response.status_code == 200  # without a login: WhiteNoise answers before the login middleware
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(b"".join(response.streaming_content)) == (VENDOR / name).read_bytes()

