"""The account pages django-allauth draws (log in, sign up, password reset, e-mail addresses,
password change, two-factor set-up) and the messages they show, in each of the fifteen languages:
no English sentence left. allauth ships no catalog for some of our languages (sq, ti, so, ta, and
"pt", where it has only pt_BR and pt_PT): the project's catalog gives its words
(core/account_words.py), and wins over allauth's where both have them."""

import re
from html.parser import HTMLParser
from pathlib import Path

import allauth
import django
import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.utils import translation

from tests.conftest import PASSWORD
from tests.core.test_catalogs import CATALOGS, read_po

# The English catalogs of the libraries these pages take their words from: allauth's, and
# Django's own (form errors, the password rules).
LIBRARY_CATALOGS = [Path(allauth.__file__).parent / "locale/en/LC_MESSAGES/django.po",
                    Path(django.__file__).parent / "conf/locale/en/LC_MESSAGES/django.po",
                    Path(django.__file__).parent / "contrib/auth/locale/en/LC_MESSAGES/django.po"]
PLACEHOLDER_OR_TAG = re.compile(r"%\(\w+\)[sd]|%[sd]|<[^>]+>|\{[^}]*\}")
HIDDEN = {"script", "style", "template", "title"}
LANGUAGE_NAMES = {str(name) for _code, name in settings.LANGUAGES} | {"English"}


class VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes, and the labels held in attributes."""

    def __init__(self):
        super().__init__()
        self.nodes, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self.hidden += 1
        attributes = dict(attrs)
        for name in ("placeholder", "aria-label", "title", "alt"):
            if attributes.get(name):
                self.nodes.append(attributes[name])
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.nodes.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in HIDDEN:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.nodes.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.nodes


def library_sentences() -> dict[str, tuple[str, str]]:
    """The libraries' sentences, and the words around each placeholder or link of those that
    have one ("If you have not created an account yet, then please <a…>sign up</a> first."),
    each with the (context, msgid) it comes from."""
    sentences = {}
    for catalog in LIBRARY_CATALOGS:
        _header, *entries = read_po(catalog.read_text(encoding="utf-8"))
        for entry in entries:
            for msgid in (entry["msgid"], entry.get("msgid_plural", "")):
                for part in PLACEHOLDER_OR_TAG.split(msgid):
                    if len(part.strip(" .,:;!?()")) > 2:
                        sentences.setdefault(" ".join(part.split()),
                                             (entry.get("msgctxt", ""), entry["msgid"]))
    return sentences


def written_the_same_way(language: str) -> set[str]:
    """The msgids `language` writes as in English in the project's catalogs ("OK", "E-mail")."""
    same = set()
    for path in CATALOGS:
        if path.parents[1].name != language:
            continue
        _header, *entries = read_po(path.read_text(encoding="utf-8"))
        same |= {entry["msgid"] for entry in entries if entry["msgstr"][0] == entry["msgid"]}
    return same


def english_left(nodes: list[str], english: dict[str, tuple[str, str]]) -> list[str]:
    """A whole sentence of two words or more anywhere in the text; a word, or the words around a
    placeholder or link, as a whole text node (a language's own name is no English left)."""
    found = set()
    for node in nodes:
        words = node.strip(" :*")
        if words in LANGUAGE_NAMES:
            continue
        for sentence, (_context, msgid) in english.items():
            whole = " ".join(msgid.split()) == sentence
            if (sentence in node) if whole and " " in sentence else (words == sentence):
                found.add(sentence)
    return sorted(found)


def account_pages(client, user, language) -> dict[str, list[str]]:
    """Every account page a resident meets in `language`, and each message, as visible text."""
    pages = {}

    def visit(name, path, data=None):
        response = client.post(path, data, follow=True) if data is not None else client.get(
            path, follow=True)
        assert response.status_code == 200, (name, response.status_code)
        pages[name] = visible_text(response.content.decode())

    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    visit("log in", "/accounts/login/")
    visit("log in refused", "/accounts/login/", {"login": user.email, "password": "wrong"})
    visit("sign up", "/accounts/signup/")
    visit("sign up refused", "/accounts/signup/", {"email": "not an address",
                                                   "password1": "a", "password2": "b"})
    visit("password reset", "/accounts/password/reset/")
    visit("password reset sent", "/accounts/password/reset/", {"email": user.email})
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    visit("new password", f"/accounts/password/reset/key/{key}/")
    visit("new password, bad link", "/accounts/password/reset/key/x-y/")
    visit("logged in", "/accounts/login/", {"login": user.email, "password": PASSWORD})
    visit("two-factor", "/accounts/2fa/")
    visit("authenticator app", "/accounts/2fa/totp/activate/")
    visit("authenticator code refused", "/accounts/2fa/totp/activate/", {"code": "000000"})
    visit("e-mail addresses", "/accounts/email/")
    visit("e-mail added", "/accounts/email/", {"action_add": "", "email": "second@example.org"})
    visit("password change", "/accounts/password/change/")
    visit("password change refused", "/accounts/password/change/", {
        "oldpassword": "wrong", "password1": "x", "password2": "y"})
    visit("log out", "/accounts/logout/")
    visit("logged out", "/accounts/logout/", {})
    return pages


@pytest.fixture
def olena(make_login, settings):
    settings.ACCOUNT_RATE_LIMITS = False  # one address asks for a new password again and again
    return make_login("olena@example.org", full_name="Olena Kovalenko")


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES if code != "en"])
def test_account_pages_leave_no_english_sentence(client, olena, language):
    olena.person.language = language  # logging in brings back the person's language
    olena.person.save(update_fields=["language"])
    same = written_the_same_way(language)
    english = {sentence: source for sentence, source in library_sentences().items()
               if source[1] not in same}
    pages = account_pages(client, olena, language)
    assert {name: found for name, nodes in pages.items()
            if (found := english_left(nodes, english))} == {}


def test_the_check_finds_the_english_it_looks_for(client, olena):
    """In English every page holds allauth's sentences: the test above can fail."""
    pages = account_pages(client, olena, "en")
    with translation.override("en"):
        assert "Forgot your password?" in english_left(pages["log in"], library_sentences())
