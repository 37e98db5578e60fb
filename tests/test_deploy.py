"""Deploy hardening: production settings pass `check --deploy`, need a secret, and the compose file validates."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import service_missing

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def production_env(**extra: str) -> dict[str, str]:
    # Nothing from the test run leaks in (browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process).
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", ALLOWED_HOSTS="cockpit.example.com", **extra)
    return env


def test_check_deploy_is_clean_with_production_settings():
    done = manage("check", "--deploy", "--fail-level", "WARNING",
                  env=production_env(SECRET_KEY="a-long-random-production-secret-" + "x" * 40))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_production_refuses_to_start_without_a_secret():
    done = manage("check", env=production_env())
    assert done.returncode != 0
    assert "KeyError: 'SECRET_KEY'" in done.stderr


def test_production_refuses_to_start_with_a_blank_secret():
    for blank in ("", "   "):
        done = manage("check", env=production_env(SECRET_KEY=blank))
        assert done.returncode != 0
        assert "SECRET_KEY is empty: set it to a long random value" in done.stderr


def test_compose_file_validates():
    tool = shutil.which("docker-compose")
    if tool is None:
        service_missing("docker-compose is not installed (apt-get install docker-compose)")
    done = subprocess.run([tool, "config", "-q"], cwd=ROOT, env={**os.environ, "SECRET_KEY": "x"},  # noqa: S603
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    config = subprocess.run([tool, "config"], cwd=ROOT, env={**os.environ, "SECRET_KEY": "x"},  # noqa: S603
                            capture_output=True, text=True, check=True).stdout
    for service in ("db", "redis", "web", "worker", "beat"):
        assert f"  {service}:" in config
    assert config.count("healthcheck:") == 5
