"""The release prefixes every Redis cache key: an upgrade never reads what the previous release cached."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW_KEY = "from django.core.cache import cache; print(cache.make_key('cockpit:dashboard:x'))"


def cache_key_under(**env: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "shell", "-c", SHOW_KEY], cwd=ROOT, capture_output=True, text=True,
        check=True, env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local",
                         "REDIS_URL": "redis://127.0.0.1:6379/15", **env})
    return done.stdout.strip().splitlines()[-1]


def test_two_releases_never_share_a_cache_key():
    old, new = cache_key_under(RELEASE="4d64e37"), cache_key_under(RELEASE="be53014")
    assert old != new
    assert "4d64e37" in old and "be53014" in new
