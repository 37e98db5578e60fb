"""Fixtures for the tests that start the embedded default's real processes (tests/config/stack.py)."""

import shutil

import pytest

from tests.config.stack import manage, migrated_template


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    """A migrated, empty SQLite database."""
    return migrated_template(tmp_path_factory.mktemp("embedded-template"))


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory, template):
    """A migrated SQLite database with a demo book (800 customers, 24 months) and its snapshots."""
    folder = tmp_path_factory.mktemp("embedded-demo")
    shutil.copy(template, folder / "db.sqlite3")  # migrated once per session, not once per template
    manage(folder, "seed_demo", "--customers", "800", "--months", "24", "--force")
    manage(folder, "compute_snapshots", "--missing")
    return folder / "db.sqlite3"
