"""Every translation catalog is complete and safe to format.

No fuzzy or empty entry (a page would silently fall back to English), every plural form filled,
and each translation uses exactly the placeholders of its English text: a misspelt one raises
KeyError when the page renders, a missing one drops a name or an amount. The compiled .mo must
say what the .po says (someone forgot `make messages` otherwise).
"""
import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

CATALOGS = sorted((Path(settings.BASE_DIR) / "civicard").glob("**/locale/*/LC_MESSAGES/django.po"))
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
    counts = {compiled.plural(n): n for n in reversed(range(200))}
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


def test_french_and_arabic_are_complete_everywhere():
    languages = {}
    for path in CATALOGS:
        languages.setdefault(path.parent.parent.parent, set()).add(path.parent.parent.name)
    assert all({"fr", "ar"} <= found for found in languages.values()), languages


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
