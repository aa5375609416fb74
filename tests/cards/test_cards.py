from datetime import UTC, date, datetime, timedelta

import pytest

from civicard.cards import codes, operations
from civicard.cards.exceptions import (
    CardAlreadyHeld,
    CardBlocked,
    CardExpired,
    CardUnknown,
    NotYourCard,
    QrExpired,
    UidInvalid,
    UidTaken,
)
from civicard.cards.models import Card, CardEvent, CardStatus
from civicard.cards.queries import card_for_credential, find_people
from civicard.core.errors import PermissionRefused
from civicard.core.models import AuditLogEntry

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)


def test_totp_matches_the_rfc_6238_vector():
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # "12345678901234567890"
    assert codes.totp(secret, 59 // 30) == "94287082"
    assert codes.totp(secret, 1111111109 // 30) == "07081804"


def test_card_numbers_carry_a_luhn_check_digit():
    number = codes.new_number()
    assert codes.number_is_valid(number)
    assert not codes.number_is_valid(number[:-1] + str((int(number[-1]) + 1) % 10))


def test_physical_card_is_found_by_its_uid_which_is_never_stored_in_clear(resident, agent):
    card = operations.issue_card(person=resident.person, kind="physical", uid="04:a1:b2:c3:d4",
                                 actor=agent, at=AT)
    assert card.status == CardStatus.ACTIVE
    assert card.masked_uid == "••••C3D4"
    assert "04A1B2C3D4" not in str(Card.objects.filter(pk=card.pk).values().get())
    assert card_for_credential("04A1B2C3D4", AT) == card
    with pytest.raises(CardUnknown):
        card_for_credential("04A1B2C3D5", AT)
    with pytest.raises(UidTaken):
        operations.issue_card(person=agent.person, kind="physical", uid="04A1B2C3D4",
                              actor=agent, at=AT)
    with pytest.raises(UidInvalid):
        operations.issue_card(person=agent.person, kind="physical", uid="not hex",
                              actor=agent, at=AT)


def test_digital_card_code_rotates_every_30_seconds_with_one_step_of_tolerance(resident):
    card = operations.get_digital_card(person=resident.person, actor=resident, at=AT)
    payload = codes.qr_payload(card.number, card.secret, AT.timestamp())
    assert payload != codes.qr_payload(card.number, card.secret, AT.timestamp() + 30)
    assert card_for_credential(payload, AT) == card
    assert card_for_credential(payload, AT + timedelta(seconds=30)) == card  # drift
    with pytest.raises(QrExpired) as caught:
        card_for_credential(payload, AT + timedelta(seconds=90))
    assert caught.value.code == "qr_expired"
    with pytest.raises(CardUnknown):
        card_for_credential(f"CC1.{card.number}.00000000", AT)
    with pytest.raises(CardUnknown):  # the printed static QR never opens a door
        card_for_credential(codes.static_payload(card.number), AT)


def test_blocking_is_immediate_audited_and_replacement_keeps_the_person(resident, agent):
    card = operations.issue_card(person=resident.person, kind="physical", uid="AABBCCDD",
                                 actor=agent, at=AT)
    operations.block_card(card=card, reason="lost", actor=resident, at=AT)
    with pytest.raises(CardBlocked) as caught:
        card_for_credential("AABBCCDD", AT)
    assert caught.value.code == "card_blocked"
    assert AuditLogEntry.objects.filter(action="card.blocked", object_id=str(card.pk)).exists()
    new = operations.replace_card(card=card, uid="AABBCCEE", actor=agent, at=AT)
    card.refresh_from_db()
    assert (card.status, new.replaces, new.person) == ("replaced", card, resident.person)
    assert card_for_credential("AABBCCEE", AT) == new
    assert list(CardEvent.objects.filter(card=card).values_list("action", flat=True)) == [
        "issued", "activated", "blocked", "replaced"]


def test_a_person_holds_one_live_card_of_each_kind(resident, agent):
    operations.issue_card(person=resident.person, kind="physical", uid="11223344", actor=agent,
                          at=AT)
    with pytest.raises(CardAlreadyHeld):
        operations.issue_card(person=resident.person, kind="physical", uid="11223355",
                              actor=agent, at=AT)


def test_expired_card_is_refused(resident, agent):
    card = operations.issue_card(person=resident.person, kind="physical", uid="99887766",
                                 actor=agent, at=AT, expires_on=date(2026, 6, 30))
    assert card_for_credential("99887766", datetime(2026, 6, 30, 20, tzinfo=UTC)) == card
    with pytest.raises(CardExpired):
        card_for_credential("99887766", datetime(2026, 7, 1, 8, tzinfo=UTC))
    with pytest.raises(CardExpired):  # 00:30 on 1 July in Paris, still 30 June in UTC
        card_for_credential("99887766", datetime(2026, 6, 30, 22, 30, tzinfo=UTC))


def test_only_agents_issue_and_only_the_holder_or_an_agent_blocks(resident, agent, make_login):
    stranger = make_login("stranger@example.org")
    with pytest.raises(PermissionRefused):
        operations.issue_card(person=resident.person, kind="physical", uid="12341234",
                              actor=resident, at=AT)
    card = operations.get_digital_card(person=resident.person, actor=resident, at=AT)
    with pytest.raises(NotYourCard):
        operations.block_card(card=card, reason="lost", actor=stranger, at=AT)
    card.refresh_from_db()
    assert card.status == "active"
    assert Card.objects.count() == 1


def test_counter_search_finds_by_name_number_printed_qr_and_uid(resident, agent):
    card = operations.issue_card(person=resident.person, kind="physical", uid="CAFEBABE",
                                 actor=agent, at=AT)
    for text in ("parkin", codes.format_number(card.number), codes.static_payload(card.number),
                 "ca:fe:ba:be"):
        assert list(find_people(agent, text)) == [resident.person], text
    with pytest.raises(PermissionRefused):
        find_people(resident, "parkin")
