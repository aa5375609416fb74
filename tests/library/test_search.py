"""Catalogue search: a word starting with each word searched for, accents and case ignored —
full-text on PostgreSQL, plain prefix filters elsewhere, and the two find the same titles."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicard.core.text import searchable
from civicard.library import queries
from civicard.library.models import Title

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
def test_full_text_finds_what_the_plain_filters_find(postgres_only, library, names, words):
    with transaction.atomic():
        for name in names:
            add_title(library, name)
        mine = Title.objects.filter(library=library)
        words = queries.search_words(" ".join(words))
        assert sorted(t.pk for t in queries.matching_full_text(mine, words)) == sorted(
            t.pk for t in queries.matching_plain(mine, words))
        transaction.set_rollback(True)
