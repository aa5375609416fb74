"""Every page the README's "Demo logins and where to look" table points to, on the demo
territory, for the login the table names: no horizontal scrolling on a 360 px phone, and no
accessibility violation (axe-core)."""

import pytest

from civicard.core.demo import DEMO_PASSWORD
from civicard.people import demo as people_demo

PAGES = {
    None: ["/", "/inclusion/", "/inclusion/map/", "/help/map/"],
    "resident@demo.civicard.test": ["/me/card/", "/me/services/", "/me/household/",
                                    "/me/benefits/", "/me/access/", "/help/", "/help/mine/"],
    "second-guardian@demo.civicard.test": ["/me/household/"],
    "agent@demo.civicard.test": ["/counter/", "/counter/?q=Benali", "/counter/cards/?q=Haddad",
                                 "/counter/households/new/", "/counter/cash-report/"],
    "manager@demo.civicard.test": ["/manage/services/", "/access/", "/access/log/",
                                   "/access/uses/", "/benefits/dashboard/"],
    "buildings@demo.civicard.test": ["/access/", "/manage/services/"],
    "social@demo.civicard.test": ["/help/ccas/", "/help/ccas/paper-slip/",
                                  "/help/ccas/helpful-neighbours/", "/benefits/booklets/"],
    "mediator@demo.civicard.test": ["/inclusion/mediator/", "/inclusion/mediator/log/",
                                    "/inclusion/dashboard/"],
    "venue@demo.civicard.test": ["/benefits/venue/", "/benefits/venue/statements/"],
    "association@demo.civicard.test": ["/help/associations/"],
    "moderator@demo.civicard.test": ["/moderation/"],
    "admin@demo.civicard.test": ["/inclusion/import/", "/inclusion/proposals/"],
}


@pytest.fixture
def demo(settings, monkeypatch):
    from django.core.management import call_command

    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    monkeypatch.setattr(people_demo, "HOUSEHOLDS", 60)
    call_command("demo", stdout=open("/dev/null", "w"))


def overflow(page) -> int:
    """How many pixels the page is wider than the phone's screen."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_readme_pages_fit_a_360_px_phone(visitor, demo):
    wide = {}
    for login, paths in PAGES.items():
        visitor.page.context.clear_cookies()
        if login:
            visitor.log_in(login, DEMO_PASSWORD)
        for path in paths:
            page = visitor.go(path)
            assert page.url.split(visitor.base_url, 1)[1] == path, (login, "redirected")
            if overflow(page) > 0:
                wide[path] = overflow(page)
    assert wide == {}
