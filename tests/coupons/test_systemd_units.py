"""deploy/systemd: the production units start commands that exist here and are always restarted (issue 19).

Parsed, not run: each ExecStart must name an entry point the project installs (gunicorn, celery), a WSGI app,
Celery app, gunicorn config, beat scheduler and manage.py command that exist, so a rename breaks this test rather
than a server at 3 a.m.
"""

import configparser
import importlib
import importlib.util
import shlex
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands
from django.utils.module_loading import import_string

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
BIN = Path(sys.executable).parent  # the virtualenv's scripts, where the units expect them


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string((UNITS / name).read_text())
    return parser


def command(parser: configparser.ConfigParser, key: str = "ExecStart") -> list[str]:
    argv = shlex.split(parser["Service"][key])
    assert argv[0].startswith("/srv/cockpit/.venv/bin/"), argv[0]
    assert (BIN / Path(argv[0]).name).exists(), f"{Path(argv[0]).name} is not installed in the virtualenv"
    return [Path(argv[0]).name, *argv[1:]]


def option(argv: list[str], flag: str) -> str:
    return argv[argv.index(flag) + 1]


@pytest.mark.parametrize("name", ["cockpit-web.service", "cockpit-worker.service", "cockpit-beat.service"])
def test_every_unit_is_restarted_always_runs_the_production_settings_and_starts_at_boot(name):
    parser = unit(name)
    service = parser["Service"]
    assert service["Restart"] == "always"
    assert service["WorkingDirectory"] == "/srv/cockpit" and service["EnvironmentFile"]
    settings_module = service["Environment"].removeprefix("DJANGO_SETTINGS_MODULE=")
    assert importlib.util.find_spec(settings_module) is not None
    assert parser["Install"]["WantedBy"] == "multi-user.target"


def test_web_runs_gunicorn_on_the_wsgi_app_with_the_projects_config_after_migrating():
    parser = unit("cockpit-web.service")
    argv = command(parser)
    assert argv[0] == "gunicorn"
    module, _, attribute = argv[1].partition(":")
    assert callable(getattr(importlib.import_module(module), attribute))
    assert (ROOT / option(argv, "--config")).is_file()
    pre = command(parser, "ExecStartPre")
    assert pre[0] == "python" and (ROOT / pre[1]).is_file() and pre[2] in get_commands()


@pytest.mark.parametrize(("name", "subcommand"), [("cockpit-worker.service", "worker"),
                                                  ("cockpit-beat.service", "beat")])
def test_worker_and_beat_run_celery_on_the_projects_app(name, subcommand):
    argv = command(unit(name))
    assert argv[0] == "celery" and argv[3] == subcommand
    assert importlib.import_module(option(argv, "-A")).celery_app.main == "cockpit"
    if subcommand == "beat":
        assert import_string(option(argv, "--scheduler").replace(":", "."))
