"""Fixtures for the import tests."""

from pathlib import Path

import pytest

from sales.imports import import_file
from tests.sales.helpers import write_csv


@pytest.fixture
def csv_file(tmp_path):
    """csv_file(name, header, rows, encoding='utf-8') -> Path in tmp_path."""

    def make(name: str, header: list[str], rows: list[list[object]], encoding: str = "utf-8") -> Path:
        return write_csv(tmp_path / name, header, rows, encoding)

    return make


@pytest.fixture
def run_import():
    """run_import(kind, path, **kw) -> ImportReport, with the file's base name in messages."""

    def run(kind: str, path: Path, **kwargs):
        return import_file(kind=kind, path=path, name=path.name, **kwargs)

    return run
