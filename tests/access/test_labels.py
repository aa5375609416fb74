"""A paid entry's ledger line is stored as a code and the place's names, and read in the
reader's language with the names the territory gave in it."""

import pytest
from django.utils import translation

from civicard.territory.models import LocalName
from civicard.wallets.models import LedgerEntry

from .conftest import enrol, fund, scan

pytestmark = pytest.mark.django_db


def test_a_paid_entry_is_stored_language_neutral_and_read_in_each_language(
        pool_service, make_checkpoint, make_terminal, holder, territory):
    checkpoint = make_checkpoint(pool_service, charge_use="entry", facility_name="Piscine",
                                 name="Tourniquet")
    terminal, _token = make_terminal(checkpoint)
    enrol(pool_service, household=holder.household)
    fund(pool_service, holder.household, 1000)
    with translation.override("ar"):  # the moment's language leaves no trace in the line
        assert scan(terminal)["decision"] == "allow"
    entry = LedgerEntry.objects.get(kind="charge")
    assert (entry.reason, entry.reason_code, entry.reason_params) == (
        "", "entry", {"facility": "Piscine", "checkpoint": "Tourniquet"})
    LocalName.objects.create(territory=territory, language="en", source="Piscine",
                             text="Swimming pool")
    read = {}
    for language in ("en", "fr"):
        with translation.override(language):
            read[language] = entry.label
    assert read == {"en": "Entry: Swimming pool — Tourniquet",
                    "fr": "Entrée : Piscine — Tourniquet"}
