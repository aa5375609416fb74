"""Catalogue search: a word starting with each word searched for, accents and case ignored —
full-text on PostgreSQL (GIN index) and on SQLite (FTS5), and both find what plain prefix
filters find."""

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicard.core.text import searchable
from civicard.library import queries
from civicard.library.catalogue import search_text
from civicard.library.models import Title, TitleSearch

from .conftest import add_title

pytestmark = pytest.mark.django_db


def _found(library, text):
    return sorted(title.title for title in queries.search(library=library, text=text))


def test_search_ignores_accents_and_case_and_matches_the_start_of_words(library, centre):
    add_title(library, "Élève modèle", author="Hugo, Victor")
    prince = add_title(library, "Le Petit Prince", author="Saint-Exupéry, Antoine de")
    prince.isbn = "978-2-07-061275-8"
    prince.search_text = f"{prince.search_text} 9782070612758"
    prince.save()
    add_title(library, "Princesse des glaces")
    assert _found(library, "eleve") == ["Élève modèle"]
    assert _found(library, "ÉLÈVE hugo") == ["Élève modèle"]
    assert _found(library, "PRIN") == ["Le Petit Prince", "Princesse des glaces"]
    assert _found(library, "rince") == []  # inside a word: not a match
    assert _found(library, "saint exupery pet") == ["Le Petit Prince"]
    assert _found(library, "978-2-07-061275") == ["Le Petit Prince"]
    assert _found(library, "prince hugo") == []
    assert [t.title for t in queries.search(library=library, text=" ' ")] == [
        "Le Petit Prince", "Princesse des glaces", "Élève modèle"]  # no word: all, by title


VOCABULARY = ["Élève", "eleve", "Prince", "princesse", "L'Île", "île", "cœur", "Straße",
              "Ünal", "2019", "x1", "Київ", "العربية", "தமிழ்", "ትግርኛ", "jardin", "nuit"]
titles = st.lists(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=4)
                  .map(" ".join), min_size=1, max_size=12)
searches = st.lists(st.tuples(st.sampled_from(VOCABULARY), st.integers(1, 6))
                    .map(lambda pair: searchable(pair[0])[:pair[1]]), min_size=1, max_size=3)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=titles, words=searches)
def test_full_text_finds_what_the_plain_filters_find(library, names, words):
    """The database's full-text search (PostgreSQL's GIN index, SQLite's FTS5 table) finds
    exactly what the plain filters find: run on both databases, the two find the same titles."""
    with transaction.atomic():
        for name in names:
            add_title(library, name)
        mine = Title.objects.filter(library=library)
        text = " ".join(words)
        expected = sorted(t.pk for t in queries.matching_plain(mine, queries.search_words(text)))
        assert sorted(t.pk for t in queries.search(library=library, text=text)) == expected
        transaction.set_rollback(True)


def test_the_full_text_index_follows_titles_added_edited_and_deleted(library):
    moon = add_title(library, "Voyage dans la Lune", author="Verne, Jules")
    add_title(library, "Vingt mille lieues sous les mers", author="Verne, Jules")
    assert _found(library, "verne lun") == ["Voyage dans la Lune"]
    moon.title = "De la Terre à la Lune"
    moon.search_text = search_text(moon)
    moon.save()
    assert _found(library, "voyage") == []
    assert _found(library, "terre lune") == ["De la Terre à la Lune"]
    moon.delete()
    assert _found(library, "verne") == ["Vingt mille lieues sous les mers"]
    if connection.vendor == "sqlite":  # the FTS5 table itself keeps no deleted title
        assert list(TitleSearch.objects.filter(search_text__match='"verne"*')
                    .values_list("title__title", flat=True)) == [
            "Vingt mille lieues sous les mers"]


def test_postgresql_puts_the_best_matches_first_and_sqlite_orders_by_title(library):
    add_title(library, "Jardin d'hiver")
    add_title(library, "Le jardin du jardinier", author="Jardin, Anne")
    found = [t.title for t in queries.search(library=library, text="jardin")]
    if connection.vendor == "postgresql":
        assert found == ["Le jardin du jardinier", "Jardin d'hiver"]
    else:
        assert found == ["Jardin d'hiver", "Le jardin du jardinier"]
