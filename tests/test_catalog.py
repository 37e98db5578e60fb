"""The Chinese catalog is complete: every msgid the templates and the code use has a zh-Hans translation (issue 16).

1. `makemessages` runs on a copy of the project (the checkout is never touched) and the refreshed catalog may hold
   no empty and no fuzzy msgstr: a string marked for translation but never translated shows in English.
2. Crawled pages of the Chinese UI show none of the product's own English terms (Grade, Lifecycle, Churn, ...):
   a string that was never marked for translation at all is caught there.
Needs GNU gettext (`apt-get install gettext`, as CI does).
"""

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import TestCase

from tests.conftest import service_missing
from tests.crawl.conftest import login
from tests.crawl.crawler import Crawler

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["analytics", "cockpit", "config", "core", "coupons", "customers", "sales", "templates", "locale",
           "manage.py"]

# The product's own words, as the English UI says them: none may show on a Chinese page.
TERMS = [
    "Grade", "Grades", "Lifecycle", "Churn", "Churned", "Active", "At risk", "Never bought", "New customer",
    "Customer", "Customers", "Salesperson", "Salespeople", "Manager", "Admin", "Dashboard", "Worklist", "Coupon",
    "Coupons", "Campaign", "Campaigns", "Visit", "Visits", "Settings", "Period", "Region", "Sales", "Orders",
    "Receivable", "Receivables", "Overdue", "Surge", "Plunge", "Override", "Policy", "Recompute", "Segment",
    "Quadrant", "Action", "Win back", "Cross-sell", "Export", "Filter", "Filters", "Previous grade", "Movement",
    "Last order", "Days since", "Search", "Save", "Cancel", "Send", "Preview", "History", "Users", "Reassign",
    "Merge", "Back office", "Log out", "Log in", "Not found", "Total", "Page", "Next", "Previous",
]
TERM_RE = re.compile(r"(?<![A-Za-z_-])(" + "|".join(re.escape(t) for t in sorted(TERMS, key=len, reverse=True))
                     + r")(?![A-Za-z_-])", re.I)  # "manager" and "salesperson" as role codes count too
HIDDEN = re.compile(r"<(script|style|template)\b.*?</\1>|<!--.*?-->", re.S | re.I)
TAG = re.compile(r"<[^>]+>")
# Attributes a user reads (tooltips, placeholders, screen readers) count as text too.
READ_ATTRS = re.compile(r"""\s(?:title|placeholder|aria-label|alt)\s*=\s*(["'])(.*?)\1""", re.S)


def refreshed_catalog(tmp_path: Path) -> polib.POFile:
    """makemessages on a copy of the sources, so the result says what the code uses today."""
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        service_missing("needs GNU gettext (apt-get install gettext) for makemessages")
    copy = tmp_path / "project"
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        else:
            copy.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    result = subprocess.run(  # noqa: S603 - our own manage.py in a temporary copy
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "-d", "django", "--no-obsolete",
         "--ignore", "*/migrations/*"],
        cwd=copy, capture_output=True, text=True, env={"DJANGO_SETTINGS_MODULE": "config.settings.test",
                                                       "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))


def where(entry: polib.POEntry) -> str:
    return ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2]) or "?"


def test_every_msgid_in_use_has_a_chinese_translation(tmp_path):
    catalog = refreshed_catalog(tmp_path)
    missing = [e for e in catalog if not e.obsolete and not e.translated()]
    lines = [f"{'fuzzy' if 'fuzzy' in e.flags else 'empty'}: {e.msgid!r} ({where(e)})" for e in missing]
    print(f"\n{len(missing)} msgid(s) without a zh-Hans translation")
    assert missing == [], f"{len(missing)} msgid(s) without a zh-Hans translation:\n" + "\n".join(lines[:200])


def test_the_checked_in_catalog_has_no_fuzzy_or_empty_entries():
    catalog = polib.pofile(str(ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    bad = [e.msgid for e in catalog if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert bad == []
    ids = [(e.msgctxt, e.msgid) for e in catalog if not e.obsolete]
    assert len(ids) == len(set(ids)), "duplicate msgids"


def visible_text(page: str, username: str = "") -> str:
    page = HIDDEN.sub(" ", page)
    # The signed-in user's login name ("admin") is theirs, not a product term.
    page = re.sub(r'(<span class="who">)\s*' + re.escape(username) + r"\b", r"\1", page) if username else page
    said = " ".join(m.group(2) for m in READ_ATTRS.finditer(page))
    return TAG.sub(" ", page) + " " + said


@pytest.mark.django_db
def test_chinese_pages_show_no_english_product_terms():
    out = []
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("seed_demo", "--customers", "60", "--months", "6", "--seed", "7", "--force", stdout=io.StringIO())
        call_command("compute_snapshots", "--missing", stdout=io.StringIO())
        call_command("compute_pulse", stdout=io.StringIO())
    found: dict[str, set[str]] = {}

    role = ""

    def look(url: str, page: str) -> None:
        for term in TERM_RE.findall(visible_text(page, role)):
            found.setdefault(term, set()).add(url)

    for role in ("admin", "sales1"):
        client = login(role, HTTP_ACCEPT_LANGUAGE="zh-hans")
        report = Crawler(client, role=role, state="zh-Hans", max_pages=150, on_page=look).run(
            ["/", "/customers/", "/worklist/", "/coupons/", "/settings/"])
        out.append(report.line())
    print("\n" + "\n".join(out))
    lines = [f"{term!r} on {len(urls)} page(s), e.g. {sorted(urls)[:3]}" for term, urls in sorted(found.items())]
    assert found == {}, "English product terms on Chinese pages:\n" + "\n".join(lines)


def test_a_code_is_a_customer_code_and_only_a_coupon_code_says_so():
    """"Code" heads the grading preview's and the reassign page's customer codes; the profile's coupon table asks
    for the coupon's word by context (the preview said 券码, "coupon code", over customer codes)."""
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext("Code") == "编码"
        assert translation.pgettext("coupon", "Code") == "券码"
    profile = (ROOT / "templates/cockpit/profile/profile.html").read_text()
    assert '{% trans "Code" context "coupon" %}' in profile
