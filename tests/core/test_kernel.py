from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from civicard.core import audit, clock
from civicard.core.append_only import AppendOnlyViolation
from civicard.core.errors import IdempotencyConflict, InvalidAmount
from civicard.core.idempotency import replay_or_run
from civicard.core.models import AuditLogEntry, IdempotencyKey
from civicard.core.money import format_cents, parse_amount


def test_clock_can_be_frozen_and_released():
    at = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    with clock.frozen(at):
        assert clock.now() == at
    assert clock.now() != at


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


@pytest.mark.django_db
def test_idempotent_request_replays_the_first_answer_and_runs_once():
    runs = []

    def run():
        runs.append(1)
        return 201, {"n": len(runs)}

    first = replay_or_run(scope="test", key="k1", payload={"a": 1}, run=run)
    again = replay_or_run(scope="test", key="k1", payload={"a": 1}, run=run)
    assert first == again == (201, {"n": 1})
    assert len(runs) == 1
    with pytest.raises(IdempotencyConflict):
        replay_or_run(scope="test", key="k1", payload={"a": 2}, run=run)
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.django_db
def test_idempotency_key_is_unique_in_the_database():
    IdempotencyKey.objects.create(scope="s", key="k", fingerprint="f", status_code=200,
                                  response={}, created_at=clock.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        IdempotencyKey.objects.create(scope="s", key="k", fingerprint="g", status_code=200,
                                      response={}, created_at=clock.now())


@pytest.mark.django_db
def test_failed_work_leaves_no_idempotency_record():
    def run():
        raise InvalidAmount(minimum="0.01", maximum="10")

    with pytest.raises(InvalidAmount):
        replay_or_run(scope="test", key="k2", payload={}, run=run)
    assert not IdempotencyKey.objects.filter(key="k2").exists()
