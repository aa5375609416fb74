"""Every translation catalog is complete and safe to format, in every UI language.

Each catalog (the project's and each app's) exists in every language of settings.LANGUAGES but
English, the language of the msgids. No fuzzy or empty entry (a page would silently fall back to
English), the language's own plural rule with every form filled, and each translation uses
exactly the placeholders of its English text: a misspelt one raises KeyError when the page
renders, a missing one drops a name or an amount. The compiled .mo must say what the .po says
(someone forgot `make messages` otherwise). Django merges every catalog of a language into one,
so two catalogs must not translate the same msgid (without context) differently: a word with
two meanings gets a context (pgettext) where it is used.
"""
import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

CATALOGS = sorted((Path(settings.BASE_DIR) / "civicard").glob("**/locale/*/LC_MESSAGES/django.po"))
SOURCE_LANGUAGE = "en"
TRANSLATED = sorted(code for code, _name in settings.LANGUAGES if code != SOURCE_LANGUAGE)
# Each language's plural rule (the gettext/CLDR one for whole numbers): what every catalog of the
# language must declare, checked on the forms it gives for 0…199 and a million (Spanish's "de").
COUNTS = [*range(200), 1_000_000]
PLURAL_RULES = {
    "fr": (2, "(n > 1)"), "fa": (2, "(n > 1)"), "tr": (2, "(n > 1)"), "ti": (2, "(n > 1)"),
    "de": (2, "(n != 1)"), "it": (2, "(n != 1)"), "pt": (2, "(n != 1)"), "sq": (2, "(n != 1)"),
    "so": (2, "(n != 1)"), "ta": (2, "(n != 1)"),
    "es": (3, "n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2"),
    "uk": (3, "n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2"),
    "ru": (3, "n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2"),
    "ar": (6, "n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 "
              ": n%100>=11 && n%100<=99 ? 4 : 5"),
}
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]")


def catalog_id(path):
    return f"{path.parents[3].name}/{path.parents[1].name}"  # e.g. cards/ar, civicard/fr


def read_po(text):
    """The entries of a .po file as makemessages writes it, header first: dicts with "flags",
    "msgid", maybe "msgctxt" and "msgid_plural", and "msgstr" as a list (one per plural form)."""
    entries = []
    for block in text.strip().split("\n\n"):
        entry, field = {"flags": set()}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith('"'):
                entry[field] += ast.literal_eval(line)
            elif not line.startswith("#"):
                field, value = line.split(" ", 1)
                entry[field] = ast.literal_eval(value)
        entry["msgstr"] = [entry.pop(key) for key in sorted(entry) if key.startswith("msgstr")]
        entries.append(entry)
    return entries


def placeholders(*texts):
    """Named placeholders and the number of positional ones; %% is a literal percent sign."""
    found = [PLACEHOLDER.findall(text.replace("%%", "")) for text in texts]
    named = {name for names in found for name in names if name}
    return named, max(names.count("") for names in found)


def plural_rule(header_text):
    """(nplurals, the form for each of COUNTS) from a catalog header's Plural-Forms line."""
    forms = re.search(r"Plural-Forms:\s*([^\n]*)", header_text).group(1)
    nplurals = int(re.search(r"nplurals=(\d+)", forms).group(1))
    choose = gettext.c2py(re.search(r"plural=(.*?);?\s*$", forms).group(1))
    return nplurals, [choose(n) for n in COUNTS]


def expected_plural_rule(language):
    nplurals, rule = PLURAL_RULES[language]
    return nplurals, [gettext.c2py(rule)(n) for n in COUNTS]


def problems(text):
    header, *entries = read_po(text)
    nplurals = int(re.search(r"nplurals=(\d+)", header["msgstr"][0]).group(1))
    found = ["fuzzy header"] if "fuzzy" in header["flags"] else []
    for entry in entries:
        msgid = entry["msgid"]
        english = [msgid, entry["msgid_plural"]] if "msgid_plural" in entry else [msgid]
        if "fuzzy" in entry["flags"]:
            found.append(f"fuzzy: {msgid}")
        if not all(entry["msgstr"]):
            found.append(f"empty: {msgid}")
        if len(english) == 2 and len(entry["msgstr"]) != nplurals:
            found.append(f"{len(entry['msgstr'])} plural forms instead of {nplurals}: {msgid}")
        found += [f"placeholders differ: {msgid} → {translation}" for translation in entry["msgstr"]
                  if translation and placeholders(translation) != placeholders(*english)]
    return found


@pytest.mark.parametrize("path", CATALOGS, ids=catalog_id)
def test_catalog_is_complete_and_keeps_placeholders(path):
    assert problems(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", CATALOGS, ids=catalog_id)
def test_compiled_catalog_matches_its_source(path):
    with path.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    # One count per plural form, found through the catalog's own Plural-Forms rule.
    counts = {compiled.plural(n): n for n in reversed(COUNTS)}
    _header, *entries = read_po(path.read_text(encoding="utf-8"))
    for entry in entries:
        if "msgid_plural" in entry:
            got = [compiled.ngettext(entry["msgid"], entry["msgid_plural"], counts[form])
                   for form in range(len(entry["msgstr"]))]
        elif "msgctxt" in entry:
            got = [compiled.pgettext(entry["msgctxt"], entry["msgid"])]
        else:
            got = [compiled.gettext(entry["msgid"])]
        assert got == entry["msgstr"], entry["msgid"]


def test_every_catalog_exists_in_every_language():
    languages = {}
    for path in CATALOGS:
        languages.setdefault(path.parents[3].name, set()).add(path.parents[1].name)
    # the project's catalog and every app with words of its own
    assert sorted(languages) == ["access", "agenda", "benefits", "bookings", "cards", "childhood",
                                 "civicard", "inclusion", "library", "moderation", "mutualaid",
                                 "wallets"]
    assert {name: sorted(found) for name, found in languages.items()} == {
        name: TRANSLATED for name in languages}


@pytest.mark.parametrize("path", CATALOGS, ids=catalog_id)
def test_catalog_follows_its_language_plural_rule(path):
    header, *_entries = read_po(path.read_text(encoding="utf-8"))
    assert plural_rule(header["msgstr"][0]) == expected_plural_rule(path.parents[1].name)


def collisions(catalogs):
    """Msgids (without context) that two catalogs of one language translate differently."""
    seen, found = {}, []
    for name, text in catalogs:
        _header, *entries = read_po(text)
        for entry in entries:
            if "msgctxt" in entry or not all(entry["msgstr"]):
                continue
            key = (entry["msgid"], entry.get("msgid_plural"))
            first = seen.setdefault(key, (name, entry["msgstr"]))
            if first[1] != entry["msgstr"]:
                found.append(f"{entry['msgid']}: {first[0]} {first[1]} ≠ {name} {entry['msgstr']}")
    return found


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_two_catalogs_translate_one_msgid_differently(language):
    catalogs = [(catalog_id(path), path.read_text(encoding="utf-8")) for path in CATALOGS
                if path.parents[1].name == language]
    assert collisions(catalogs) == []


def test_the_collision_check_tells_contexts_apart():
    head = 'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
    access = head + 'msgid "closed"\nmsgstr "fermé"\n'
    mutualaid = head + ('msgctxt "request"\nmsgid "closed"\nmsgstr "clos"\n\n'
                        'msgid "closed"\nmsgstr "close"\n')
    assert collisions([("access/fr", access), ("mutualaid/fr", mutualaid)]) == [
        "closed: access/fr ['fermé'] ≠ mutualaid/fr ['close']"]
    assert collisions([("access/fr", access), ("mutualaid/fr", mutualaid.split("\n\nmsgid")[0])]
                      ) == []


def test_the_plural_check_reads_a_header():
    assert plural_rule('Plural-Forms: nplurals=4; plural=(n % 1 == 0 && n % 10 == 1 && n % 100 '
                       '!= 11 ? 0 : n % 1 == 0 && n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 '
                       '|| n % 100 > 14) ? 1 : n % 1 == 0 && (n % 10 ==0 || (n % 10 >=5 && '
                       'n % 10 <=9) || (n % 100 >=11 && n % 100 <=14 )) ? 2: 3);\n'
                       ) != expected_plural_rule("uk")
    assert plural_rule("Plural-Forms: nplurals=2; plural=(n > 1);\n") == expected_plural_rule("fr")
    assert expected_plural_rule("uk")[1][:23] == [2, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
                                                  2, 2, 2, 2, 2, 0, 1]


def test_the_check_finds_each_kind_of_problem():
    catalog = r'''msgid ""
msgstr ""
"Language: ar\n"
"Plural-Forms: nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 "
"&& n%100<=10 ? 3 : n%100>=11 && n%100<=99 ? 4 : 5;\n"

#, python-format
msgid "Hello %(name)s"
msgstr "مرحبًا %(nom)s"

msgid "Menu"
msgstr ""

#, fuzzy
msgid "Home"
msgstr "الرئيسية"

#, python-format
msgid "%(counter)s card"
msgid_plural "%(counter)s cards"
msgstr[0] "%(counter)s بطاقة"
msgstr[1] "%(counter)s بطاقة"

#, python-format
msgid "Places shown: %%s, 100%%"
msgstr "الأماكن المعروضة: %%s، 100%%"
'''
    assert problems(catalog) == [
        "placeholders differ: Hello %(name)s → مرحبًا %(nom)s",
        "empty: Menu",
        "fuzzy: Home",
        "2 plural forms instead of 6: %(counter)s card",
    ]
