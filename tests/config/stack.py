"""The embedded default as `make run` starts it (honcho + the Procfile: gunicorn, a Celery worker, beat), on a SQLite
file and a broker folder of the test's own, for the tests that must see real processes on SQLite."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stack_env(folder: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}", CELERY_BROKER_DIR=str(folder / "broker"),
               DJANGO_SETTINGS_MODULE="config.settings.local", PATH=f"{BIN}:{env.get('PATH', '')}",
               PYTHONUNBUFFERED="1", **extra)
    return env


def manage(folder: Path, *args: str, timeout: float = 300) -> str:
    """Run a management command against the stack's database; returns its output (fails the test on exit != 0)."""
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=stack_env(folder),  # noqa: S603
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def migrated_template(cache: Path) -> Path:
    """A migrated SQLite database, built once per session and copied into each stack."""
    if not (cache / "db.sqlite3").exists():
        manage(cache, "migrate", "--noinput", "-v0")
    return cache / "db.sqlite3"


@dataclass
class Stack:
    folder: Path
    port: int
    proc: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, *, timeout: float = 60, after: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output()[after:]:
            if self.proc.poll() is not None:
                raise AssertionError(f"honcho exited before {text!r}:\n{self.output()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} within {timeout} s:\n{self.output()[-3000:]}")
            time.sleep(0.2)

    def get(self, path: str, timeout: float = 10) -> int:
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:  # noqa: S310 - our server
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    def stop(self) -> int:
        """Ctrl-C, as a person at the terminal would; returns honcho's exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return int(self.proc.returncode)


def start_stack(folder: Path, template: Path, **extra: str) -> Stack:
    """Copy the migrated database into `folder` and start the Procfile there; returns once the web answers."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, folder / "db.sqlite3")
    port = free_port()
    log = folder / "honcho.log"
    proc = subprocess.Popen(  # noqa: S603 - the Procfile of this repository
        [str(BIN / "honcho"), "start", "--no-colour"], cwd=ROOT,
        env=stack_env(folder, COCKPIT_PORT=str(port), **extra),
        stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    stack = Stack(folder=folder, port=port, proc=proc, log=log)
    stack.wait_for("Listening at", timeout=60)
    stack.wait_for(" ready.", timeout=90)
    return stack
