"""Ledger lines the platform writes keep a code and parameters; staff's words stay as typed;
lines stored as sentences before codes existed get their code back."""

import importlib

import pytest
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.utils import translation

from civicard.access.models import Checkpoint, Facility
from civicard.wallets import operations
from civicard.wallets.labels import Label
from civicard.wallets.models import LedgerEntry

from .conftest import AT

pytestmark = pytest.mark.django_db
MIGRATION = importlib.import_module("civicard.wallets.migrations.0003_ledger_label_codes")


def read(entry, *languages):
    out = {}
    for language in languages:
        with translation.override(language):
            out[language] = entry.label
    return out


def test_a_counter_top_up_reads_in_the_readers_language(make_service, make_account, agent):
    account = make_account(make_service())
    entry = operations.top_up(account=account, amount_cents=500, means="cash",
                              reason=Label("counter_top_up"), idempotency_key="t1",
                              actor=agent, at=AT)
    assert (entry.reason, entry.reason_code) == ("", "counter_top_up")
    assert read(entry, "en", "fr", "ar") == {"en": "Top-up at the counter",
                                             "fr": "Rechargement au guichet",
                                             "ar": "شحن في شبّاك الاستقبال"}


def test_staffs_words_stay_as_typed(make_service, make_account, manager):
    account = make_account(make_service(), balance=1000)
    entry = operations.refund(account=account, amount_cents=200, reason="Repas non servi",
                              idempotency_key="r1", actor=manager, at=AT)
    assert read(entry, "en", "ar") == {"en": "Repas non servi", "ar": "Repas non servi"}


def test_an_unknown_label_code_is_refused():
    with pytest.raises(ValueError):
        Label("free_money")


def test_lines_stored_as_sentences_get_their_code_back(make_service, make_account, territory):
    account = make_account(make_service())
    facility = Facility.objects.create(territory=territory, name="Piscine", kind="pool")
    Checkpoint.objects.create(facility=facility, name="Tourniquet", kind="turnstile")
    written = {}
    for language in ("fr", "ar"):
        with translation.override(language):
            written[language] = translation.gettext("Online payment %(reference)s") % {
                "reference": f"CVC-{language}"}
    typed = ["Rechargement au guichet", written["fr"], written["ar"], "Piscine — Tourniquet",
             "Geste commercial"]
    for number, reason in enumerate(typed):
        LedgerEntry.objects.create(account=account, kind="top_up", amount_cents=100,
                                   balance_after_cents=100 * (number + 1), at=AT,
                                   reason=reason, idempotency_key=f"old-{number}")
    then = MigrationLoader(connection).project_state(("wallets", "0003_ledger_label_codes")).apps
    MIGRATION.code_the_platforms_lines(then, connection.schema_editor())
    assert list(LedgerEntry.objects.order_by("pk").values_list(
        "reason", "reason_code", "reason_params")) == [
        ("", "counter_top_up", {}),
        ("", "online_payment", {"reference": "CVC-fr"}),
        ("", "online_payment", {"reference": "CVC-ar"}),
        ("", "entry", {"facility": "Piscine", "checkpoint": "Tourniquet"}),
        ("Geste commercial", "", {}),
    ]
    with pytest.raises(DatabaseError, match="append-only"):  # the database's guard is back
        LedgerEntry._base_manager.filter(account=account).update(reason="x")


def test_a_months_charge_names_the_month_in_the_readers_language(make_service, make_account):
    account = make_account(make_service(), balance=1000)
    entry = operations.charge(account=account, amount_cents=650, idempotency_key="m1",
                              reason=Label("month_charge", {"activity": "Cantine Jules Ferry",
                                                            "month": "2026-11"}),
                              actor=None, at=AT)
    assert read(entry, "en", "fr") == {"en": "Cantine Jules Ferry, November 2026",
                                       "fr": "Cantine Jules Ferry, novembre 2026"}
