"""Browser tests: Playwright drives Debian's Chromium; axe-core checks every page visited, and no
page may break its Content Security Policy (an inline script or style, a foreign source)."""

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
# Runs before any page script (injected by the browser, so the policy does not apply to it):
# every violation the page reports is written to the console, where the Visitor collects it.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " blocked " +
                (event.blockedURI || "inline") + " at " + event.sourceFile + ":" +
                event.lineNumber);
});
"""


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
        self.csp_violations = []
        page.add_init_script(REPORT_CSP_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message):
        if message.text.startswith("CSP violation: "):
            self.csp_violations.append((self.page.url, message.text))

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
        assert self.csp_violations == []

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
    visitor = Visitor(page, live_server.url)
    yield visitor
    context.close()
    assert visitor.csp_violations == []
