"""The zh-Hans catalog covers every msgid the code and templates use: makemessages, then nothing empty or fuzzy.

makemessages runs in a copy of the sources with a copy of the catalog (it writes to the `locale` folder of the tree
it walks), so the test never rewrites locale/; it needs GNU gettext (xgettext, msgmerge, msgattrib), as
makemessages itself does.
"""

import shutil
import subprocess

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

CATALOG = "locale/zh_Hans/LC_MESSAGES/django.po"
SOURCES = ["analytics", "cockpit", "config", "coupons", "customers", "sales", "templates"]


def _entries(po: str, *flags: str) -> list[str]:
    """msgids msgattrib selects with `flags` (obsolete entries never count)."""
    out = subprocess.run(["msgattrib", *flags, "--no-obsolete", "--no-wrap", po], capture_output=True, text=True,
                         check=True).stdout
    return [line[len("msgid "):] for line in out.splitlines() if line.startswith("msgid ") and line != 'msgid ""']


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (apt-get install gettext)")
def test_every_msgid_has_a_zh_hans_translation(tmp_path, monkeypatch):
    for name in SOURCES:
        shutil.copytree(settings.BASE_DIR / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / CATALOG).parent.mkdir(parents=True)
    shutil.copy(settings.BASE_DIR / CATALOG, tmp_path / CATALOG)
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=["zh_Hans"], no_location=True, verbosity=0)
    po = str(tmp_path / CATALOG)
    assert len(_entries(po)) > 800  # it did extract (the catalog has some 900 msgids)
    assert _entries(po, "--untranslated") == []
    assert _entries(po, "--only-fuzzy") == []
