"""A bounded breadth-first crawler over the cockpit's own pages with Django's test client.

It follows every `href` and `hx-get` of a page, and every choice of its GET forms (each option of each select,
each checkbox and radio: the filter chips and pickers a user changes one at a time). URLs are deduplicated with
their query parameters sorted. Links found on a *start* page (dashboard, list, worklist, coupons, settings and a
sample of profiles) are all followed: every tile, sort key, filter chip and matrix cell. Links found deeper are
followed up to a few per family (same path shape and same parameter names), so combinations are sampled rather
than enumerated. Downloads are only checked for their status.
"""

from __future__ import annotations

import html
import re
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

LINK = re.compile(r"""\s(href|hx-get)\s*=\s*(["'])(.*?)\2""", re.S)
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.S | re.I)
OPTION = re.compile(r"<option\b([^>]*)>", re.S | re.I)
INPUT = re.compile(r"<input\b([^>]*)>", re.S | re.I)
ATTR = re.compile(r"""([\w:-]+)\s*=\s*(["'])(.*?)\2""", re.S)
# What a Python exception looks like when it leaks into a page (a debug page, or a traceback rendered as text).
EXCEPTION_MARKS = ("Traceback (most recent call last)", "Exception Value", "Exception Type", "Request Method:",
                   "Internal Server Error", "TemplateSyntaxError", "VariableDoesNotExist")
# Django template syntax shown as text (a `{# #}` comment spanning lines renders verbatim), outside scripts.
TEMPLATE_SYNTAX = re.compile(r"\{[#%]|[#%]\}")
SCRIPTS = re.compile(r"<script\b.*?</script>", re.S | re.I)

# Not pages: leaving, switching language (POST forms anyway), static assets and the 4.8 MB plotly bundle.
SKIP_PREFIXES = ("/accounts/logout", "/i18n/", "/static/", "/media/")
SKIP_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "sms:")
DOWNLOAD_SUFFIXES = (".csv", ".xlsx", ".xls", ".json", ".yml", ".yaml", ".pdf")
CODE_SEGMENT = re.compile(r"^(?=.*\d)[\w-]+$")


@dataclass(frozen=True)
class Target:
    url: str  # path?sorted-query
    htmx: bool = False
    choice: bool = field(default=False, compare=False)  # a GET form's choice, not a link: always sampled


@dataclass
class Problem:
    role: str
    state: str
    url: str
    status: int
    error: str
    found_on: str

    def __str__(self) -> str:
        return f"[{self.state}/{self.role}] {self.status} {self.url} (linked from {self.found_on}): {self.error}"


@dataclass
class CrawlReport:
    role: str
    state: str
    pages: int = 0
    seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    families: Counter = field(default_factory=Counter)
    family_seconds: Counter = field(default_factory=Counter)
    visited: list[str] = field(default_factory=list)

    def slowest(self, n: int = 8) -> str:
        return ", ".join(f"{fam} {sec:.1f}s/{self.families[fam]}" for fam, sec in self.family_seconds.most_common(n))

    def line(self) -> str:
        codes = " ".join(f"{k}:{v}" for k, v in sorted(self.statuses.items()))
        return (f"crawl {self.state:<16} {self.role:<14} {self.pages:>4} pages in {self.seconds:5.1f} s  "
                f"[{codes}]  5xx/exceptions: {len(self.problems)}")


def attrs(text: str) -> dict[str, str]:
    return {m.group(1).lower(): html.unescape(m.group(3)) for m in ATTR.finditer(text)}


def normalize(raw: str, base: str) -> str | None:
    """The crawlable local URL of a link as found on page `base`, query sorted; None for what is not a page."""
    raw = html.unescape(raw.strip())
    if not raw or raw.startswith("#") or raw.lower().startswith(SKIP_SCHEMES) or "{" in raw:
        return None
    parts = urlsplit(urljoin(base, raw))
    if parts.scheme not in ("http", "") or parts.netloc not in ("", "testserver"):
        return None
    path = parts.path or "/"
    if path.startswith(SKIP_PREFIXES):
        return None
    query = sorted(parse_qsl(parts.query, keep_blank_values=True))
    return path + ("?" + urlencode(query) if query else "")


def family(url: str) -> str:
    """Same path shape (codes and ids as *) and same parameter names: one family of links.

    The sort key is part of the family (its direction is not), so every column is sorted both ways.
    """
    parts = urlsplit(url)
    shape = "/".join("*" if CODE_SEGMENT.match(seg) else seg for seg in parts.path.split("/"))
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = sorted({k if k != "sort" else f"sort={v.lstrip('-')}" for k, v in query})
    return shape + ("?" + "&".join(names) if names else "")


def form_choices(page_html: str, base: str) -> Iterable[Target]:
    """Each single change a user can make in a GET form: one option of a select, one checkbox or radio."""
    base_parts = urlsplit(base)
    for form_attrs, body in FORM.findall(page_html):
        a = attrs(form_attrs)
        if a.get("method", "get").lower() != "get":
            continue
        action = urljoin(base, a.get("action") or a.get("hx-get") or base)
        current = (parse_qsl(base_parts.query, keep_blank_values=True)
                   if urlsplit(action).path == base_parts.path else [])
        choices: list[tuple[str, str]] = []
        for select_attrs, options in SELECT.findall(body):
            name = attrs(select_attrs).get("name")
            if name:
                choices += [(name, attrs(o).get("value", "")) for o in OPTION.findall(options)]
        for input_attrs in INPUT.findall(body):
            ia = attrs(input_attrs)
            kind, name = ia.get("type", "text").lower(), ia.get("name")
            if name and kind in ("checkbox", "radio"):
                choices.append((name, ia.get("value", "on")))
        for name, value in choices:
            query = [(k, v) for k, v in current if k not in (name, "page")] + [(name, value)]
            url = normalize(urlsplit(action).path + "?" + urlencode(query), base)
            if url:
                yield Target(url, choice=True)


def links(page_html: str, base: str) -> Iterable[Target]:
    for attr, _, raw in LINK.findall(page_html):
        url = normalize(raw, base)
        if url:
            yield Target(url, htmx=attr == "hx-get")
    yield from form_choices(page_html, base)


class Crawler:
    """Visit pages breadth-first from `starts` until `max_pages`; collect 5xx and leaked exceptions."""

    def __init__(self, client, *, role: str, state: str, max_pages: int = 400, per_family: int = 3,
                 profiles: int = 10, on_page: Callable[[str, str], None] | None = None) -> None:
        self.client, self.max_pages, self.per_family, self.profiles = client, max_pages, per_family, profiles
        self.report = CrawlReport(role=role, state=state)
        self.on_page = on_page
        self.seen: set[Target] = set()
        self.primary: deque[tuple[Target, str]] = deque()
        # Deeper links wait per family and are taken round-robin: every family's first page before any second.
        self.secondary: dict[str, deque[tuple[Target, str]]] = {}
        self.family_count: Counter = Counter()

    def run(self, starts: Iterable[str], *, sampled_starts: Iterable[str] = ()) -> CrawlReport:
        """Crawl from `starts` (all their links followed) and `sampled_starts` (their links sampled like deeper ones:
        a past period's page repeats the latest one's links with another period)."""
        began = time.monotonic()
        full = [normalize(url, "/") or url for url in starts]
        for url in [*full, *sampled_starts]:
            self._enqueue(Target(normalize(url, "/") or url), "start", start=True)
        while self.report.pages < self.max_pages and (self.primary or self.secondary):
            target, found_on = self._next()
            is_start = (found_on == "start" and target.url in full) or self._is_sampled_profile(target)
            for link in self._visit(target, found_on):
                self._enqueue(link, target.url, start=is_start)
        self.report.seconds = time.monotonic() - began
        return self.report

    def _next(self) -> tuple[Target, str]:
        if self.primary:
            return self.primary.popleft()
        fam = next(iter(self.secondary))
        waiting = self.secondary.pop(fam)
        item = waiting.popleft()
        if waiting:
            self.secondary[fam] = waiting  # to the back of the round
        return item

    def _is_sampled_profile(self, target: Target) -> bool:
        return not target.htmx and family(target.url) == "/customers/*/"

    def _enqueue(self, target: Target, found_on: str, *, start: bool) -> None:
        if target in self.seen:
            return
        fam = family(target.url) + (" (htmx)" if target.htmx else "")
        # Profiles are sampled; links of start pages are all followed; deeper links and form choices (a select's
        # 24 periods or 35 regions, a checkbox per customer) a few per family.
        if fam == "/customers/*/":
            if self.family_count[fam] >= self.profiles:
                return
        elif (target.choice or not start) and self.family_count[fam] >= self.per_family:
            return
        self.seen.add(target)
        self.family_count[fam] += 1
        if start:
            self.primary.append((target, found_on))
        else:
            self.secondary.setdefault(fam, deque()).append((target, found_on))

    def _visit(self, target: Target, found_on: str) -> list[Target]:
        headers = {"HTTP_HX_REQUEST": "true"} if target.htmx else {}
        began = time.monotonic()
        try:
            response = self.client.get(target.url, **headers)
        except Exception as exc:  # the client re-raises only when asked; anything else is a crawl problem too
            self._problem(target, 0, "".join(traceback.format_exception_only(exc)).strip(), found_on)
            return []
        report = self.report
        report.pages += 1
        report.visited.append(target.url + (" [htmx]" if target.htmx else ""))
        report.statuses[response.status_code] += 1
        report.families[family(target.url)] += 1
        report.family_seconds[family(target.url)] += time.monotonic() - began
        exc_info = getattr(response, "exc_info", None)
        if response.status_code >= 500 or exc_info:
            error = ("".join(traceback.format_exception_only(exc_info[1])).strip() if exc_info
                     else f"HTTP {response.status_code}")
            self._problem(target, response.status_code, error, found_on)
            return []
        if response.status_code == 404:
            report.not_found.append(f"{target.url} (linked from {found_on})")
        content_type = response.get("Content-Type", "")
        is_download = (target.url.split("?")[0].endswith(DOWNLOAD_SUFFIXES)
                       or "attachment" in response.get("Content-Disposition", ""))
        if is_download or "html" not in content_type or response.streaming:
            return []
        text = response.content.decode("utf-8", "replace")
        leaked = [mark for mark in EXCEPTION_MARKS if mark in text]
        leaked += [f"template syntax {m.group(0)!r}" for m in TEMPLATE_SYNTAX.finditer(SCRIPTS.sub("", text))][:1]
        if leaked:
            self._problem(target, response.status_code, f"page shows {leaked}", found_on)
        if self.on_page:
            self.on_page(target.url, text)
        if response.status_code in (301, 302, 303, 307, 308):
            location = normalize(response["Location"], target.url)
            return [Target(location)] if location else []
        return list(links(text, target.url))

    def _problem(self, target: Target, status: int, error: str, found_on: str) -> None:
        self.report.problems.append(Problem(self.report.role, self.report.state,
                                            target.url + (" [htmx]" if target.htmx else ""), status, error,
                                            found_on))
