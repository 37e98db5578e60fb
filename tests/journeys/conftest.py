"""Browser journeys: Debian's Chromium through Playwright against pytest-django's live server (never a downloaded
browser). Each journey saves its screenshots as artifacts/journeys/<journey>/NN-step.png and prints the folder.

A journey checks the required behaviour step by step and records every unmet requirement (`journey.expect`),
then goes on the way a user would work around it, so one run reports every broken step; the test fails at the
end listing them all. Console errors (CSP violations included) count as unmet requirements too.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import service_missing

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "journeys"
PASSWORD = "pw"  # tests.factories.UserFactory's password


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        service_missing(f"needs Chromium at {CHROMIUM}: apt-get install -y chromium fonts-noto-cjk")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        service_missing("needs Playwright for Python (pip install playwright; never `playwright install`)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API keeps an event loop in this thread
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Journey:
    """Pages of one journey, its numbered screenshots and the requirements it found unmet."""

    def __init__(self, browser, base: str, name: str) -> None:
        self.browser, self.base, self.name = browser, base, name
        self.folder = ARTIFACTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.step = 0
        self.unmet: list[str] = []
        self.console: list[str] = []
        self.contexts: list = []
        print(f"\njourney {name}: screenshots in {self.folder}")

    def page(self, *, locale: str = "zh-CN", width: int = 1440, height: int = 900, mobile: bool = False):
        context = self.browser.new_context(locale=locale, viewport={"width": width, "height": height},
                                           is_mobile=mobile, has_touch=mobile, device_scale_factor=1)
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20000)
        page.on("console", lambda m: self.console.append(f"{page.url}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.console.append(f"{page.url}: {e}"))
        return page

    def login(self, page, username: str) -> None:
        page.goto(f"{self.base}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("form[action$='/accounts/login/'] button[type=submit]")
        page.wait_for_url(f"{self.base}/")

    def shot(self, page, step: str) -> None:
        self.step += 1
        page.screenshot(path=str(self.folder / f"{self.step:02d}-{step}.png"), full_page=True)

    def expect(self, ok: bool, requirement: str) -> bool:
        if not ok:
            self.unmet.append(requirement)
            print(f"  UNMET [{self.name}] {requirement}")
        return ok

    def no_side_scroll(self, page, what: str) -> None:
        # A mobile browser zooms out to fit a too-wide page, which widens innerWidth: compare with the device width.
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        device = page.viewport_size["width"]
        self.expect(scroll <= min(inner, device), f"{what}: the page scrolls sideways on a phone "
                                                  f"(scrollWidth {scroll} > {min(inner, device)} px)")

    def close(self) -> None:
        for context in self.contexts:
            context.close()

    def finish(self) -> None:
        self.close()
        problems = self.unmet + [f"console error: {c}" for c in self.console]
        print(f"journey {self.name}: {self.step} screenshots in {self.folder}; {len(problems)} unmet")
        assert problems == [], f"journey {self.name}: unmet requirements:\n- " + "\n- ".join(problems)


@pytest.fixture
def journey(browser, live_server):
    made: list[Journey] = []

    def make(name: str) -> Journey:
        made.append(Journey(browser, live_server.url, name))
        return made[-1]

    yield make
    for j in made:
        j.close()
