"""The resident's main pages in each of the fifteen languages, at 360 × 740: axe-core clean, no
horizontal overflow, right to left for Arabic and Persian, and no English sentence left (the
visible text is checked against every msgid a language translates)."""

from datetime import date

import pytest
from django.conf import settings

from civicard.benefits.models import Accreditation, BenefitKind, Funder, Grant, Programme, Venue
from civicard.core import clock
from civicard.mutualaid import operations as aid
from civicard.mutualaid.models import Category
from civicard.territory.models import IncomeBracket, LocalName, Neighbourhood
from civicard.wallets import operations as wallets
from civicard.wallets.labels import Label
from civicard.wallets.models import Service, ShortageRule
from tests.conftest import PASSWORD
from tests.core.test_catalogs import CATALOGS, read_po

PAGES = ["/", "/me/card/", "/me/services/", "/me/household/", "/me/benefits/", "/help/"]
SCREENSHOTS_OF_MY_SERVICES = {"uk", "ti", "fa", "ta", "ar"}
# The territory's own names, given in a few languages (the rest read them as written, in French).
CANTEEN_NAMES = {"uk": "Шкільна їдальня", "fa": "غذاخوری مدرسه", "ta": "பள்ளி உணவகம்",
                 "en": "School canteen"}


def english_sentences(language):
    """Every msgid of two words or more, less those `language` writes the same way."""
    sentences, same = set(), set()
    for path in CATALOGS:
        _header, *entries = read_po(path.read_text(encoding="utf-8"))
        for entry in entries:
            msgid = entry["msgid"]
            if "%" not in msgid and "{" not in msgid and len(msgid.split()) >= 2:
                sentences.add(msgid)
                if path.parents[1].name == language and entry["msgstr"][0] == msgid:
                    same.add(msgid)
    return sentences - same


@pytest.fixture
def town(territory, make_login, make_household):
    """A resident of a French-speaking town: a household, a canteen account with lines the
    platform wrote, free entries at a venue, a neighbour's post."""
    centre = Neighbourhood.objects.get(name="Centre")
    resident = make_login("olena@example.org", full_name="Olena Kovalenko")
    household = make_household(resident.person, neighbourhood=centre)
    household.income_bracket = IncomeBracket.objects.get(code="QF1")
    household.save(update_fields=["income_bracket"])
    now = clock.now()
    canteen = Service.objects.create(territory=territory, slug="canteen",
                                     name="Restaurant scolaire",
                                     shortage_rule=ShortageRule.SERVE_AND_GO_NEGATIVE,
                                     floor_cents=-3000)
    for language, text in CANTEEN_NAMES.items():
        LocalName.objects.create(territory=territory, language=language,
                                 source="Restaurant scolaire", text=text)
    account = wallets.open_account(household=household, service=canteen, at=now)
    wallets.top_up(account=account, amount_cents=2000, means="cash",
                   reason=Label("counter_top_up"), idempotency_key="t1",
                   actor=make_login("agent@example.org", role="counter_agent"), at=now)
    wallets.charge(account=account, amount_cents=390, idempotency_key="m1", actor=None, at=now,
                   reason=Label("meal", {"service": "Restaurant scolaire"}))
    funder = Funder.objects.create(territory=territory, name="Ville")
    programme = Programme.objects.create(
        funder=funder, name="Sorties gratuites", kind=BenefitKind.ENTRIES, grant=Grant.MONTHLY,
        entries_per_month=4, per_venue_cap=2, starts_on=date(2020, 1, 1))
    venue = Venue.objects.create(territory=territory, name="Musée municipal",
                                 opening_hours="Tu-Su 10:00-18:00", address="1 place de la Mairie")
    Accreditation.objects.create(programme=programme, venue=venue, active_from=date(2020, 1, 1))
    neighbour = make_login("paul@example.org", full_name="Paul Martin", language="fr")
    make_household(neighbour.person, neighbourhood=centre)
    aid.ensure_default_categories()
    aid.create_post(author=neighbour.person, kind="offer",
                    category=Category.objects.get(code="shopping"),
                    title="Je fais les courses le samedi", description="Je peux porter vos sacs.",
                    neighbourhood=centre, availability="samedi matin", language="fr",
                    actor=neighbour, at=now)
    return resident


def test_the_residents_pages_in_every_language(visitor, town):
    visitor.page.set_viewport_size({"width": 360, "height": 740})
    visitor.log_in(town.email, PASSWORD)
    problems = {}
    for language, _name in settings.LANGUAGES:
        visitor.page.locator("#language-select").select_option(language)
        visitor.page.locator(".language-picker button").click()
        visitor.check()
        english = english_sentences(language) if language != "en" else set()
        for path in PAGES:
            page = visitor.go(path)
            html = page.locator("html")
            found = []
            if html.get_attribute("lang") != language:
                found.append(f"lang={html.get_attribute('lang')}")
            if html.get_attribute("dir") != ("rtl" if language in ("ar", "fa") else "ltr"):
                found.append(f"dir={html.get_attribute('dir')}")
            if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
                found.append("wider than the screen")
            text = page.inner_text("body")
            found += sorted(sentence for sentence in english if sentence in text)
            if found:
                problems[f"{language} {path}"] = found
            if path == "/me/services/" and language in SCREENSHOTS_OF_MY_SERVICES:
                visitor.screenshot(f"my-services-{language}")
        if language in CANTEEN_NAMES:
            assert CANTEEN_NAMES[language] in visitor.go("/me/services/").inner_text("main")
    assert problems == {}
