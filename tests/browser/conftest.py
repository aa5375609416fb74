"""Browser tests: Playwright drives Debian's Chromium; axe-core checks every page visited."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 360, "height": 780}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visitor:
    """A person at a browser: every page they land on is checked with axe-core (WCAG 2.1 AA)."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.axe = Axe()

    def go(self, path):
        self.page.goto(self.base_url + path)
        self.check()
        return self.page

    def check(self):
        self.page.wait_for_load_state("load")
        results = self.axe.run(self.page, options={"runOnly": {
            "type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
        violations = results.response["violations"]
        assert violations == [], (self.page.url, [
            (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations])

    def screenshot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def log_in(self, email, password):
        self.go("/accounts/login/")
        self.page.fill("input[name=login]", email)
        self.page.fill("input[name=password]", password)
        self.page.click("form button[type=submit]:not(.button-small)")
        self.check()


@pytest.fixture
def visitor(postgres_only, chromium, live_server, transactional_db):
    """Browser tests need a flushable database: PostgreSQL truncates the append-only tables,
    SQLite would have to DELETE from them, which their triggers refuse."""
    context = chromium.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield Visitor(page, live_server.url)
    context.close()
