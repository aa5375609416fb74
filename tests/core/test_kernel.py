from datetime import UTC, date, datetime

import pytest
from django.db import connection, transaction
from django.utils import translation

from civicard.core import audit, clock
from civicard.core.append_only import AppendOnlyViolation
from civicard.core.errors import IdempotencyKeyInvalid, InvalidAmount
from civicard.core.idempotency import check_key
from civicard.core.models import AuditLogEntry
from civicard.core.money import format_cents, parse_amount


def test_clock_can_be_frozen_and_released():
    at = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    with clock.frozen(at):
        assert clock.now() == at
    assert clock.now() != at


def test_today_is_the_territorys_calendar_day_not_utcs():
    with clock.frozen(datetime(2026, 3, 1, 23, 30, tzinfo=UTC)):  # 00:30 in Paris
        assert clock.today() == date(2026, 3, 2)
    with clock.frozen(datetime(2026, 3, 1, 22, 59, tzinfo=UTC)):
        assert clock.today() == date(2026, 3, 1)


def test_clock_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        with clock.frozen(datetime(2026, 1, 1)):
            pass


@pytest.mark.parametrize("text,cents", [("12", 1200), ("12.5", 1250), ("12,50", 1250),
                                        (" 0,01 ", 1), ("1 000,00", 100000)])
def test_parse_amount_accepts_usual_writings(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["-5", "0", "abc", "", "1e9", "12.345", "NaN", "Infinity",
                                  "10000000.01"])
def test_parse_amount_refuses_bad_amounts_with_a_code(text):
    with pytest.raises(InvalidAmount) as caught:
        parse_amount(text)
    assert caught.value.code == "invalid_amount"
    assert caught.value.as_dict()["fields"] == {"amount": ["Enter an amount such as 12.50."]}


def test_format_cents_follows_the_language():
    with translation.override("fr"):
        assert format_cents(123456, "EUR") == "1\u00a0234,56\u00a0€"
    with translation.override("en"):
        assert format_cents(123456, "EUR") == "1,234.56\u00a0€"


@pytest.mark.django_db
def test_audit_log_refuses_updates_and_deletes_in_code_and_in_database():
    entry = audit.record(actor=None, action="test.done", extra={"n": 1})
    entry.action = "changed"
    with pytest.raises(AppendOnlyViolation):
        entry.save()
    with pytest.raises(AppendOnlyViolation):
        entry.delete()
    with pytest.raises(AppendOnlyViolation):
        AuditLogEntry.objects.filter(pk=entry.pk).update(action="changed")
    for statement in ("UPDATE core_auditlogentry SET action = 'x'",
                      "DELETE FROM core_auditlogentry"):
        with pytest.raises(Exception) as caught, transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement)
        assert "append-only" in str(caught.value)
    entry.refresh_from_db()
    assert entry.action == "test.done"


@pytest.mark.parametrize("key", ["k", "7f0c-uuid", "x" * 100, " padded "])
def test_an_idempotency_key_of_1_to_100_characters_is_taken_as_given(key):
    assert check_key(key) == key


@pytest.mark.parametrize("key", [None, "", "   ", "x" * 101, 12, b"bytes"])
def test_a_missing_blank_long_or_non_text_key_is_refused(key):
    with pytest.raises(IdempotencyKeyInvalid) as caught:
        check_key(key)
    assert caught.value.as_dict() == {
        "code": "idempotency_key_invalid",
        "message": "Each request needs its own key of 1 to 100 characters.",
        "fields": {"idempotency_key": ["Each request needs its own key of 1 to 100 characters."]}}
