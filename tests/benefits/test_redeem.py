from datetime import date, timedelta

import pytest

from civicard.benefits import codes, operations, queries
from civicard.benefits.models import (
    Booklet,
    BookletStatus,
    MonthlyUsage,
    Redemption,
    StatementLine,
    Voucher,
)
from civicard.core.errors import DomainError, IdempotencyConflict, PermissionRefused

from .conftest import AT, accredit, handed_out_booklet

pytestmark = pytest.mark.django_db


def _error(fn, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        fn(**kwargs)
    return caught.value


# Money vouchers


def test_a_voucher_is_spent_once_and_says_when_and_where(pass_programme, ccas, make_venue,
                                                        venue_user):
    venue = make_venue("Cyber-base", )
    other = make_venue("Maison des Tilleuls")
    accredit(pass_programme, venue, services=["e-mail", "CV"])
    accredit(pass_programme, other)
    booklet = handed_out_booklet(pass_programme, ccas)[0]
    voucher = booklet.vouchers.get(position=1)
    staff, other_staff = venue_user(venue), venue_user(other)
    redemption = operations.redeem_voucher(voucher=voucher, venue=venue, service="CV",
                                           actor=staff, at=AT, idempotency_key="k-0000001")
    assert (redemption.amount_cents, redemption.service, redemption.venue) == (1000, "CV", venue)
    voucher.refresh_from_db()
    assert voucher.used_at == AT
    error = _error(operations.redeem_voucher, voucher=voucher, venue=other, actor=other_staff,
                   at=AT + timedelta(hours=1), idempotency_key="k-0000002")
    assert error.code == "voucher_already_used"
    assert "Cyber-base" in error.text()
    assert Redemption.objects.count() == 1


def test_a_retry_with_the_same_key_returns_the_first_answer(pass_programme, ccas, make_venue,
                                                           venue_user):
    venue = make_venue()
    accredit(pass_programme, venue)
    staff = venue_user(venue)
    first, second = handed_out_booklet(pass_programme, ccas)[0].vouchers.all()[:2]
    one = operations.redeem_voucher(voucher=first, venue=venue, actor=staff, at=AT,
                                    idempotency_key="same-key-1")
    again = operations.redeem_voucher(voucher=first, venue=venue, actor=staff, at=AT,
                                      idempotency_key="same-key-1")
    assert one.pk == again.pk and Redemption.objects.count() == 1
    with pytest.raises(IdempotencyConflict):
        operations.redeem_voucher(voucher=second, venue=venue, actor=staff, at=AT,
                                  idempotency_key="same-key-1")


@pytest.mark.parametrize("case, code", [
    ("not_handed_out", "voucher_not_handed_out"),
    ("cancelled", "voucher_cancelled"),
    ("expired", "voucher_expired"),
    ("not_accredited", "not_accepted_here"),
    ("accreditation_ended", "not_accepted_here"),
    ("wrong_service", "service_not_allowed"),
])
def test_refusals_have_a_reason_and_write_nothing(case, code, pass_programme, ccas, make_venue,
                                                   venue_user):
    venue = make_venue()
    if case == "accreditation_ended":
        accredit(pass_programme, venue, active_to=date(2026, 2, 28))
    elif case != "not_accredited":
        accredit(pass_programme, venue, services=["printer"])
    batch = operations.create_booklets(programme=pass_programme, social_service=ccas, count=1,
                                       actor=None, at=AT)
    booklet = Booklet.objects.get(batch=batch)
    if case != "not_handed_out":
        booklet.status, booklet.handed_out_at = BookletStatus.HANDED_OUT, AT
    if case == "cancelled":
        booklet.status, booklet.cancelled_at = BookletStatus.CANCELLED, AT
    if case == "expired":
        booklet.valid_until = date(2026, 3, 1)
    booklet.save()
    voucher = booklet.vouchers.first()
    error = _error(operations.redeem_voucher, voucher=voucher, venue=venue,
                   service="e-mail" if case == "wrong_service" else "printer",
                   actor=venue_user(venue), at=AT, idempotency_key="refused-1")
    assert error.code == code
    assert error.text()
    assert Redemption.objects.count() == 0
    assert not Voucher.objects.filter(used_at__isnull=False).exists()


def test_a_typo_gets_a_hint_only_when_one_voucher_matches(pass_programme, ccas):
    voucher = handed_out_booklet(pass_programme, ccas)[0].vouchers.first()
    code = voucher.code
    swapped = code[1] + code[0] + code[2:] if code[0] != code[1] else code[:4] + code[5] + \
        code[4] + code[6:]
    error = _error(queries.find_voucher, text=codes.display(swapped))
    assert error.code == "voucher_code_mistyped"
    assert codes.display(code) in error.text()
    body = "ZZZZZZZZZZZZ"
    unknown_typo = body + ("0" if codes.check_char(body) != "0" else "1")
    error = _error(queries.find_voucher, text=unknown_typo)
    assert error.code == "voucher_code_mistyped"
    assert "Did you mean" not in error.text()
    valid_unknown = body + codes.check_char(body)
    assert _error(queries.find_voucher, text=valid_unknown).code == "voucher_unknown"


def test_staff_of_another_venue_cannot_redeem_here(pass_programme, ccas, make_venue, venue_user):
    venue, other = make_venue(), make_venue("Other")
    accredit(pass_programme, venue)
    voucher = handed_out_booklet(pass_programme, ccas)[0].vouchers.first()
    with pytest.raises(PermissionRefused):
        operations.redeem_voucher(voucher=voucher, venue=venue, actor=venue_user(other), at=AT,
                                  idempotency_key="refused-2")
    assert Redemption.objects.count() == 0


def test_undo_within_ten_minutes_frees_the_voucher(pass_programme, ccas, make_venue,
                                                   venue_user):
    venue = make_venue()
    accredit(pass_programme, venue)
    staff = venue_user(venue)
    voucher = handed_out_booklet(pass_programme, ccas)[0].vouchers.first()
    first = operations.redeem_voucher(voucher=voucher, venue=venue, actor=staff, at=AT,
                                      idempotency_key="undo-0001")
    operations.undo_redemption(redemption=first, actor=staff, at=AT + timedelta(minutes=9))
    voucher.refresh_from_db()
    assert voucher.used_at is None
    again = operations.redeem_voucher(voucher=voucher, venue=venue, actor=staff,
                                      at=AT + timedelta(minutes=11), idempotency_key="undo-0002")
    error = _error(operations.undo_redemption, redemption=again, actor=staff,
                   at=AT + timedelta(minutes=22))
    assert error.code == "undo_too_late"
    assert Redemption.objects.filter(undone_at__isnull=True).count() == 1


# Monthly entries


def test_monthly_entries_count_down_cap_per_venue_and_renew_next_month(
        entries_programme, holder, make_venue, venue_user):
    museum, pool, theatre = make_venue("Museum"), make_venue("Pool"), make_venue("Theatre")
    for venue in (museum, pool, theatre):
        accredit(entries_programme, venue)
    staff = {v: venue_user(v) for v in (museum, pool, theatre)}
    assert MonthlyUsage.objects.count() == 0
    assert queries.entries_left(holder, entries_programme, AT) == 2
    operations.redeem_entry(person=holder, venue=museum, actor=staff[museum], at=AT,
                            idempotency_key="entry-001")
    assert queries.entries_left(holder, entries_programme, AT) == 1
    error = _error(operations.redeem_entry, person=holder, venue=museum, actor=staff[museum],
                   at=AT, idempotency_key="entry-002")
    assert error.code == "venue_cap_reached"
    operations.redeem_entry(person=holder, venue=pool, actor=staff[pool], at=AT,
                            idempotency_key="entry-003")
    error = _error(operations.redeem_entry, person=holder, venue=theatre, actor=staff[theatre],
                   at=AT, idempotency_key="entry-004")
    assert error.code == "no_entries_left"
    assert Redemption.objects.count() == 2
    assert MonthlyUsage.objects.get().used == 2
    april = AT.replace(month=4)
    assert queries.entries_left(holder, entries_programme, april) == 2
    operations.redeem_entry(person=holder, venue=theatre, actor=staff[theatre], at=april,
                            idempotency_key="entry-005")
    assert MonthlyUsage.objects.count() == 2


def test_entries_by_card_credential_and_eligibility(entries_programme, holder, make_venue,
                                                    venue_user, neighbourhood):
    museum = make_venue()
    accredit(entries_programme, museum)
    staff = venue_user(museum)
    redemption = operations.redeem_credential(credential="04:a1:b2:c3:d4:e5:f6", venue=museum,
                                              actor=staff, at=AT, idempotency_key="card-0001")
    assert redemption.person == holder
    entries_programme.eligibility = "neighbourhoods"
    entries_programme.save()
    entries_programme.neighbourhoods.add(neighbourhood)
    error = _error(operations.redeem_entry, person=holder, venue=museum, actor=staff, at=AT,
                   idempotency_key="card-0002")
    assert error.code == "not_eligible"
    assert Redemption.objects.count() == 1


def test_the_number_printed_on_a_card_is_typed_at_the_desk(entries_programme, holder,
                                                            make_venue, venue_user):
    from civicard.cards.models import Card, CardStatus

    museum = make_venue()
    accredit(entries_programme, museum)
    staff = venue_user(museum)
    card = Card.objects.get(person=holder)
    spaced = " ".join(card.number[i:i + 4] for i in range(0, 12, 4))  # as printed
    redemption = operations.redeem_credential(credential=spaced, venue=museum, actor=staff,
                                              at=AT, idempotency_key="typed-0001")
    assert (redemption.person, redemption.kind) == (holder, "entry")
    Card.objects.filter(pk=card.pk).update(status=CardStatus.BLOCKED, block_reason="lost")
    error = _error(operations.redeem_credential, credential=card.number, venue=museum,
                   actor=staff, at=AT, idempotency_key="typed-0002")
    assert error.code == "card_blocked"
    wrong_check_digit = card.number[:-1] + str((int(card.number[-1]) + 1) % 10)
    error = _error(operations.redeem_credential, credential=wrong_check_digit, venue=museum,
                   actor=staff, at=AT, idempotency_key="typed-0003")
    assert error.code == "card_unknown"
    assert Redemption.objects.count() == 1


def test_undo_an_entry_gives_it_back(entries_programme, holder, make_venue, venue_user):
    museum = make_venue()
    accredit(entries_programme, museum)
    staff = venue_user(museum)
    entry = operations.redeem_entry(person=holder, venue=museum, actor=staff, at=AT,
                                    idempotency_key="entry-undo")
    operations.undo_redemption(redemption=entry, actor=staff, at=AT + timedelta(minutes=1))
    assert queries.entries_left(holder, entries_programme, AT) == 2
    assert _error(operations.undo_redemption, redemption=entry, actor=staff,
                  at=AT + timedelta(minutes=2)).code == "already_undone"


# Booklets


def test_hand_out_and_cancel(pass_programme, ccas, social_user, holder, neighbourhood,
                             make_venue, venue_user):
    venue = make_venue()
    accredit(pass_programme, venue)
    worker = social_user(ccas)
    batch = operations.create_booklets(programme=pass_programme, social_service=ccas, count=3,
                                       actor=None, at=AT)
    first, second, third = Booklet.objects.filter(batch=batch).order_by("pk")
    assert [b.vouchers.count() for b in (first, second, third)] == [5, 5, 5]
    assert _error(operations.hand_out_booklet, booklet=first, actor=worker,
                  at=AT).code == "beneficiary_missing"
    operations.hand_out_booklet(booklet=first, person=holder, actor=worker, at=AT)
    anonymous = operations.hand_out_booklet(booklet=second, age_bracket="60_74",
                                            neighbourhood=neighbourhood, actor=worker, at=AT)
    assert (anonymous.person, anonymous.neighbourhood) == (None, neighbourhood)
    assert _error(operations.hand_out_booklet, booklet=first, person=holder, actor=worker,
                  at=AT).code == "booklet_not_available"
    staff = venue_user(venue)
    voucher = first.vouchers.get(position=1)
    operations.redeem_voucher(voucher=voucher, venue=venue, actor=staff, at=AT,
                              idempotency_key="booklet-1")
    operations.cancel_booklet(booklet=first, actor=worker, at=AT + timedelta(days=1))
    error = _error(operations.redeem_voucher, voucher=first.vouchers.get(position=2),
                   venue=venue, actor=staff, at=AT + timedelta(days=2),
                   idempotency_key="booklet-2")
    assert error.code == "voucher_cancelled"
    assert Redemption.objects.count() == 1


def test_a_social_worker_of_another_service_cannot_hand_out(pass_programme, ccas, territory,
                                                             social_user, holder):
    from civicard.benefits.models import SocialService

    other = SocialService.objects.create(territory=territory, name="Other CCAS")
    worker = social_user(other)
    booklet = handed_out_booklet(pass_programme, ccas)[0]
    Booklet.objects.filter(pk=booklet.pk).update(status=BookletStatus.CREATED,
                                                  handed_out_at=None)
    with pytest.raises(PermissionRefused):
        operations.hand_out_booklet(booklet=booklet, person=holder, actor=worker, at=AT)
    booklet.refresh_from_db()
    assert booklet.status == BookletStatus.CREATED


# Settlement


def test_statements_freeze_and_later_ones_carry_late_lines(pass_programme, ccas, make_venue,
                                                           venue_user, funder_user):
    venue = make_venue()
    accredit(pass_programme, venue)
    staff = venue_user(venue)
    vouchers = list(handed_out_booklet(pass_programme, ccas)[0].vouchers.all())
    for index, voucher in enumerate(vouchers[:3]):
        operations.redeem_voucher(voucher=voucher, venue=venue, actor=staff,
                                  at=AT + timedelta(days=index), idempotency_key=f"st-{index:04d}")
    with pytest.raises(DomainError) as early:
        operations.issue_statements(programme=pass_programme, month=date(2026, 3, 1),
                                    actor=funder_user, at=AT)
    assert early.value.code == "month_not_over"
    april = AT.replace(month=4, day=2)
    [march] = operations.issue_statements(programme=pass_programme, month=date(2026, 3, 1),
                                          actor=funder_user, at=april)
    assert (march.total_cents, march.lines.count()) == (3000, 3)
    assert _error(operations.issue_statements, programme=pass_programme,
                  month=date(2026, 3, 1), actor=funder_user,
                  at=april).code == "statement_already_issued"
    settled = Redemption.objects.filter(statement_lines__isnull=False).first()
    assert _error(operations.undo_redemption, redemption=settled, actor=staff,
                  at=settled.at + timedelta(minutes=1)).code == "already_settled"
    operations.redeem_voucher(voucher=vouchers[3], venue=venue, actor=staff, at=april,
                              idempotency_key="st-late")
    [apr] = operations.issue_statements(programme=pass_programme, month=date(2026, 4, 1),
                                        actor=funder_user, at=AT.replace(month=5, day=1))
    assert apr.total_cents == 1000
    with pytest.raises(DomainError):
        march.lines.first().delete()
    assert StatementLine.objects.count() == 4


def test_chosen_programme_needs_a_social_workers_choice(entries_programme, holder, make_venue,
                                                        venue_user, social_user, ccas,
                                                        make_login):
    entries_programme.eligibility = "chosen"
    entries_programme.save()
    museum = make_venue()
    accredit(entries_programme, museum)
    staff = venue_user(museum)
    assert _error(operations.redeem_entry, person=holder, venue=museum, actor=staff, at=AT,
                  idempotency_key="chosen-1").code == "not_eligible"
    with pytest.raises(PermissionRefused):
        operations.choose_member(programme=entries_programme, person=holder,
                                 actor=make_login("nobody@example.org"), at=AT)
    operations.choose_member(programme=entries_programme, person=holder,
                             actor=social_user(ccas), at=AT)
    operations.redeem_entry(person=holder, venue=museum, actor=staff, at=AT,
                            idempotency_key="chosen-2")
    assert queries.entries_left(holder, entries_programme, AT) == 1


def test_a_correction_goes_on_the_next_statement_never_on_a_frozen_one(
        pass_programme, ccas, make_venue, venue_user, funder_user):
    venue = make_venue()
    accredit(pass_programme, venue)
    staff = venue_user(venue)
    voucher = handed_out_booklet(pass_programme, ccas)[0].vouchers.first()
    operations.redeem_voucher(voucher=voucher, venue=venue, actor=staff, at=AT,
                              idempotency_key="corr-1")
    [march] = operations.issue_statements(programme=pass_programme, month=date(2026, 3, 1),
                                          actor=funder_user, at=AT.replace(month=4, day=2))
    with pytest.raises(PermissionRefused):
        operations.add_correction(programme=pass_programme, venue=venue, amount_cents=-1000,
                                  reason="Voucher used twice", actor=staff,
                                  at=AT.replace(month=4, day=3))
    assert _error(operations.add_correction, programme=pass_programme, venue=venue,
                  amount_cents=-1000, reason="  ", actor=funder_user,
                  at=AT.replace(month=4, day=3)).code == "invalid_input"
    operations.add_correction(programme=pass_programme, venue=venue, amount_cents=-1000,
                              reason="Workshop not held", actor=funder_user,
                              at=AT.replace(month=4, day=3))
    [april] = operations.issue_statements(programme=pass_programme, month=date(2026, 4, 1),
                                          actor=funder_user, at=AT.replace(month=5, day=1))
    march.refresh_from_db()
    assert march.total_cents == 1000 and march.lines.count() == 1
    assert april.total_cents == -1000
    assert "Workshop not held" in april.lines.get().label
