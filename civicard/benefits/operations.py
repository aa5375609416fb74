"""Every write about benefits: redeeming a right (entry or voucher), undoing it by mistake,
creating, handing out and cancelling booklets, issuing the venues' monthly statements.

Redemptions lock the row that holds the right (the voucher, or the person's usage row of the
month) with `select_for_update`, run the checks, then write — so racing venues stay exact."""

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicard.benefits import codes, rules
from civicard.benefits.exceptions import (
    AlreadySettled,
    AlreadyUndone,
    BeneficiaryMissing,
    BookletAlreadyCancelled,
    BookletNotAvailable,
    CardNumberUnknown,
    MonthNotOver,
    NoEntriesLeft,
    NotAcceptedHere,
    NotEligible,
    ServiceNotAllowed,
    StatementAlreadyIssued,
    UndoTooLate,
    VenueCapReached,
    VoucherAlreadyUsed,
)
from civicard.benefits.models import (
    AgeBracket,
    Booklet,
    BookletBatch,
    BookletStatus,
    Correction,
    Grant,
    MonthlyUsage,
    NoticePreference,
    Programme,
    Redemption,
    RedemptionDay,
    RedemptionKind,
    SocialService,
    Statement,
    StatementLine,
    Venue,
    Voucher,
)
from civicard.benefits.queries import (
    check_entries_left,
    check_voucher_usable,
    identify,
    monthly_programmes_at,
)
from civicard.core import audit
from civicard.core.errors import IdempotencyConflict, InvalidInput, PermissionRefused
from civicard.core.idempotency import check_key
from civicard.core.money import format_cents
from civicard.core.tallies import bump
from civicard.people.models import Person

# Reading a code


def _replay(key: str, *, venue: Venue, voucher_id=None, person_id=None) -> Redemption | None:
    found = Redemption.objects.filter(idempotency_key=key).first()
    if found is None:
        return None
    if (found.venue_id != venue.pk or (voucher_id and found.voucher_id != voucher_id)
            or (person_id and found.person_id != person_id)):
        raise IdempotencyConflict()
    return found


def _check_actor(actor, venue: Venue, channel: str) -> None:
    if channel == "terminal":
        return  # the terminals app authenticates the terminal itself
    if not rules.is_venue_staff(actor, venue):
        raise PermissionRefused()


# Money vouchers


def check_service(accreditation, service: str) -> str:
    service = (service or "").strip()
    allowed = accreditation.services or []
    if allowed and service not in allowed:
        raise ServiceNotAllowed(fields={"service": [_("Choose the service given.")]},
                                services=", ".join(allowed))
    return service


def redeem_voucher(*, voucher: Voucher, venue: Venue, service: str = "", actor, at: datetime,
                   idempotency_key: str, channel: str = "desk") -> Redemption:
    """Spend one money voucher at a venue: once, ever."""
    key = check_key(idempotency_key)
    _check_actor(actor, venue, channel)
    try:
        with transaction.atomic():
            locked = (Voucher.objects.select_for_update(of=("self",))
                      .select_related("booklet__programme").get(pk=voucher.pk))
            replayed = _replay(key, venue=venue, voucher_id=voucher.pk)  # a retry, maybe waiting
            if replayed is not None:
                return replayed
            booklet = locked.booklet
            programme = booklet.programme
            check_voucher_usable(locked, booklet, at)
            accreditation = rules.accreditation(programme, venue, rules.local_date(at))
            service = check_service(accreditation, service)
            updated = Voucher.objects.filter(pk=locked.pk, used_at__isnull=True).update(used_at=at)
            if updated != 1:  # SQLite has no row lock: the compare-and-swap decides
                raise VoucherAlreadyUsed(when=rules.when(at), venue=venue.name)
            Booklet.objects.filter(pk=booklet.pk).update(vouchers_used=F("vouchers_used") + 1)
            redemption = Redemption.objects.create(
                kind=RedemptionKind.VOUCHER, programme=programme, venue=venue,
                person_id=booklet.person_id, voucher=locked, service=service,
                amount_cents=locked.value_cents, at=at, actor=_user(actor), channel=channel,
                idempotency_key=key)
            _tally(redemption, count=1, cents=redemption.amount_cents)
            return redemption
    except IntegrityError:
        replayed = _replay(key, venue=venue, voucher_id=voucher.pk)
        if replayed is None:
            raise
        return replayed


def _tally(redemption: Redemption, **deltas: int) -> None:
    """Move the dashboard's RedemptionDay row of this redemption, in the caller's transaction."""
    bump(RedemptionDay, {"programme_id": redemption.programme_id,
                         "venue_id": redemption.venue_id, "kind": redemption.kind,
                         "day": rules.local_date(redemption.at)}, **deltas)


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# Monthly free entries


def _usage_row(person: Person, programme: Programme, month: date) -> MonthlyUsage:
    """The person's usage row of the month, created at first use (a unique key settles races)."""
    MonthlyUsage.objects.bulk_create(
        [MonthlyUsage(person=person, programme=programme, month=month, used=0)],
        ignore_conflicts=True)
    return MonthlyUsage.objects.select_for_update().get(person=person, programme=programme,
                                                        month=month)


def redeem_entry(*, venue: Venue, actor, at: datetime, idempotency_key: str, card=None,
                 person: Person | None = None, programme: Programme | None = None,
                 channel: str = "desk") -> Redemption:
    """Use one of the month's free entries of a card holder at a venue. The terminals app calls
    this for a venue gate (channel="terminal"), with the card it read."""
    if person is None:
        if card is None:
            raise InvalidInput()
        person = card.person
    key = check_key(idempotency_key)
    _check_actor(actor, venue, channel)
    day = rules.local_date(at)
    candidates = [programme] if programme else list(monthly_programmes_at(venue, day))
    if not candidates:
        raise NotAcceptedHere()
    month = rules.month_of(at)
    last_error = None
    for candidate in candidates:
        try:
            if programme is not None:
                rules.accreditation(candidate, venue, day)
            rules.check_eligible(candidate, person, day)
            with transaction.atomic():
                usage = _usage_row(person, candidate, month)
                replayed = _replay(key, venue=venue, person_id=person.pk)
                if replayed is not None:
                    return replayed
                check_entries_left(candidate, usage, venue)
                MonthlyUsage.objects.filter(pk=usage.pk).update(used=F("used") + 1)
                redemption = Redemption.objects.create(
                    kind=RedemptionKind.ENTRY, programme=candidate, venue=venue, person=person,
                    usage=usage, at=at, actor=_user(actor), channel=channel,
                    idempotency_key=key)
                _tally(redemption, count=1)
                return redemption
        except (NoEntriesLeft, VenueCapReached, NotEligible, NotAcceptedHere) as error:
            last_error = error
        except IntegrityError:
            replayed = _replay(key, venue=venue, person_id=person.pk)
            if replayed is None:
                raise
            return replayed
    raise last_error


def redeem_credential(*, credential: str, venue: Venue, service: str = "", actor,
                      at: datetime, idempotency_key: str) -> Redemption:
    """The venue page's one call: a voucher code, or a card (chip UID or rotating QR)."""
    found = identify(credential, at)
    if isinstance(found, Voucher):
        return redeem_voucher(voucher=found, venue=venue, service=service, actor=actor, at=at,
                              idempotency_key=idempotency_key)
    return redeem_entry(card=found, venue=venue, actor=actor, at=at,
                        idempotency_key=idempotency_key)


def undo_redemption(*, redemption: Redemption, actor, at: datetime) -> Redemption:
    """Undo a use made by mistake, within 10 minutes, by the venue that made it."""
    _check_actor(actor, redemption.venue, "desk")
    with transaction.atomic():
        locked = Redemption.objects.select_for_update().get(pk=redemption.pk)
        if locked.undone_at is not None:
            raise AlreadyUndone()
        if at - locked.at > rules.UNDO_WINDOW:
            raise UndoTooLate()
        if locked.statement_lines.exists():
            raise AlreadySettled()
        if locked.kind == RedemptionKind.VOUCHER:
            Voucher.objects.select_for_update().filter(pk=locked.voucher_id).update(used_at=None)
            Booklet.objects.filter(vouchers=locked.voucher_id, vouchers_used__gt=0).update(
                vouchers_used=F("vouchers_used") - 1)
        else:
            MonthlyUsage.objects.select_for_update().filter(pk=locked.usage_id).update(
                used=F("used") - 1)
        locked.undone_at, locked.undone_by = at, _user(actor)
        locked.save(update_fields=["undone_at", "undone_by"])
        _tally(locked, count=-1, cents=-locked.amount_cents)
        audit.record(actor=actor, action="benefits.redemption_undone", obj=locked, at=at)
        return locked


# Booklets


def _booklet_prefix(programme: Programme) -> str:
    return f"P{programme.pk}"


def create_booklets(*, programme: Programme, social_service: SocialService, count: int, actor,
                    at: datetime) -> BookletBatch:
    """A funder creates a batch of booklets for a social service; each voucher gets a random
    code. Numbers are sequential (they are printed on the cover); codes are not."""
    if actor is not None and not rules.is_funder_staff(actor, programme.funder):
        raise PermissionRefused()
    if programme.grant != Grant.BOOKLETS:
        raise InvalidInput(fields={"programme": [_("This programme does not use booklets.")]})
    if not 1 <= count <= 5000:
        raise InvalidInput(fields={"count": [_("Enter a number of booklets from 1 to 5,000.")]})
    with transaction.atomic():
        batch = BookletBatch.objects.create(programme=programme, social_service=social_service,
                                            created_at=at, created_by=_user(actor), size=count)
        start = Booklet.objects.filter(programme=programme).count() + 1
        booklets = Booklet.objects.bulk_create([
            Booklet(batch=batch, programme=programme, social_service=social_service,
                    number=f"{_booklet_prefix(programme)}-{start + index:05d}",
                    valid_until=programme.ends_on,
                    voucher_count=programme.vouchers_per_booklet)
            for index in range(count)])
        if not booklets[0].pk:
            booklets = list(Booklet.objects.filter(batch=batch).order_by("pk"))
        seen: set[str] = set()
        vouchers = []
        for booklet in booklets:
            for position in range(1, programme.vouchers_per_booklet + 1):
                code = codes.new_code()
                while code in seen:
                    code = codes.new_code()
                seen.add(code)
                vouchers.append(Voucher(booklet=booklet, position=position, code=code,
                                        value_cents=programme.voucher_value_cents))
        Voucher.objects.bulk_create(vouchers, batch_size=1000)
        audit.record(actor=actor, action="benefits.booklets_created", obj=batch, at=at,
                     extra={"count": count})
        return batch


def _person_by_card_number(number: str) -> Person:
    from civicard.cards.models import Card

    digits = "".join(ch for ch in number if ch.isdigit())
    card = Card.objects.select_related("person").filter(number=digits).first() if digits else None
    if card is None or card.person.erased_at:
        raise CardNumberUnknown(fields={"card_number": [CardNumberUnknown.message]})
    return card.person


def hand_out_booklet(*, booklet: Booklet, actor, at: datetime, person: Person | None = None,
                     card_number: str = "", age_bracket: str = "",
                     neighbourhood=None) -> Booklet:
    """A social worker gives a booklet to a registered person (or their card number), or
    anonymously (only an age bracket and a neighbourhood are kept). Its vouchers can be spent
    from then on."""
    if not rules.is_social_worker_of(actor, booklet.social_service):
        raise PermissionRefused()
    if person is None and card_number.strip():
        person = _person_by_card_number(card_number)
    if person is None and not (age_bracket in AgeBracket.values and neighbourhood is not None):
        raise BeneficiaryMissing()
    with transaction.atomic():
        locked = Booklet.objects.select_for_update().get(pk=booklet.pk)
        if locked.status != BookletStatus.CREATED:
            raise BookletNotAvailable()
        locked.status = BookletStatus.HANDED_OUT
        locked.handed_out_at, locked.handed_out_by = at, actor
        if person is not None:
            locked.person = person
            locked.neighbourhood_id = rules.neighbourhood_of(person)
            if person.birth_date:
                locked.age_bracket = _age_bracket(person.birth_date, timezone.localdate(at))
        else:
            locked.age_bracket, locked.neighbourhood = age_bracket, neighbourhood
        locked.save(update_fields=["status", "handed_out_at", "handed_out_by", "person",
                                   "neighbourhood", "age_bracket"])
        audit.record(actor=actor, action="benefits.booklet_handed_out", obj=locked, at=at,
                     acting_for=person)
        return locked


def _age_bracket(birth: date, today: date) -> str:
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    if age < 26:
        return AgeBracket.UNDER_26
    if age < 60:
        return AgeBracket.FROM_26_TO_59
    if age < 75:
        return AgeBracket.FROM_60_TO_74
    return AgeBracket.OVER_75


def cancel_booklet(*, booklet: Booklet, actor, at: datetime) -> Booklet:
    """A lost booklet: its remaining vouchers are refused from now on."""
    if not rules.is_social_worker_of(actor, booklet.social_service):
        raise PermissionRefused()
    with transaction.atomic():
        locked = Booklet.objects.select_for_update().get(pk=booklet.pk)
        if locked.status == BookletStatus.CANCELLED:
            raise BookletAlreadyCancelled()
        locked.status, locked.cancelled_at, locked.cancelled_by = (
            BookletStatus.CANCELLED, at, actor)
        locked.save(update_fields=["status", "cancelled_at", "cancelled_by"])
        audit.record(actor=actor, action="benefits.booklet_cancelled", obj=locked, at=at)
        return locked


# Settlement


def issue_statements(*, programme: Programme, month: date, actor, at: datetime) -> list[Statement]:
    """Freeze each venue's statement of the month: every voucher redemption not yet settled up
    to the month's end (late ones from earlier months included), one line each."""
    if actor is not None and not rules.is_funder_staff(actor, programme.funder):
        raise PermissionRefused()
    month = month.replace(day=1)
    _start, end = rules.month_bounds(month)
    if at < end:
        raise MonthNotOver()
    statements = []
    with transaction.atomic():
        settled = StatementLine.objects.filter(redemption=OuterRef("pk"))
        pending = (Redemption.objects.select_for_update(of=("self",))
                   .filter(~Exists(settled), programme=programme, kind=RedemptionKind.VOUCHER,
                           at__lt=end, undone_at__isnull=True)
                   .select_related("voucher", "venue").order_by("venue_id", "pk"))
        by_venue: dict[int, list[Redemption]] = {}
        for redemption in pending:
            by_venue.setdefault(redemption.venue_id, []).append(redemption)
        corrections: dict[int, list] = {}
        for correction in (Correction.objects.select_for_update()
                           .filter(programme=programme, settled_on__isnull=True, at__lt=end)
                           .order_by("venue_id", "pk")):
            corrections.setdefault(correction.venue_id, []).append(correction)
        venue_ids = set(by_venue) | set(corrections) | set(
            programme.accreditations.filter(active_from__lt=rules.next_month(month))
            .exclude(active_to__lt=month).values_list("venue_id", flat=True))
        for venue in Venue.objects.filter(pk__in=venue_ids).order_by("pk"):
            if Statement.objects.filter(programme=programme, venue=venue, month=month).exists():
                raise StatementAlreadyIssued()
            redemptions = by_venue.get(venue.pk, [])
            fixes = corrections.get(venue.pk, [])
            statement = Statement.objects.create(
                programme=programme, venue=venue, month=month, issued_at=at,
                issued_by=_user(actor),
                total_cents=sum(r.amount_cents for r in redemptions)
                + sum(c.amount_cents for c in fixes),
                number=f"{programme.pk}-{month:%Y%m}-{venue.pk}")
            for fix in fixes:
                fix.settled_on = StatementLine.objects.create(
                    statement=statement, amount_cents=fix.amount_cents, at=fix.at,
                    label=str(_("Correction: %(reason)s") % {"reason": fix.reason}))
                fix.save(update_fields=["settled_on"])
            StatementLine.objects.bulk_create([
                StatementLine(statement=statement, redemption=r, amount_cents=r.amount_cents,
                              at=r.at, label=f"{codes.display(r.voucher.code)} {r.service}".strip())
                for r in redemptions])
            settled: dict[date, int] = {}
            for r in redemptions:
                settled[rules.local_date(r.at)] = settled.get(rules.local_date(r.at), 0) \
                    + r.amount_cents
            for day, cents in sorted(settled.items()):  # one order, no deadlock
                bump(RedemptionDay, {"programme_id": programme.pk, "venue_id": venue.pk,
                                     "kind": RedemptionKind.VOUCHER, "day": day},
                     settled_cents=cents)
            statements.append(statement)
        audit.record(actor=actor, action="benefits.statements_issued", obj=programme, at=at,
                     extra={"month": month.isoformat(), "count": len(statements)})
    return statements


def add_correction(*, programme: Programme, venue: Venue, amount_cents: int, reason: str,
                   actor, at: datetime) -> Correction:
    """The funder corrects a venue's reimbursement: a signed line on its next statement."""
    if not rules.is_funder_staff(actor, programme.funder):
        raise PermissionRefused()
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(fields={"reason": [_("Say why the amount is corrected.")]})
    if not isinstance(amount_cents, int) or amount_cents == 0 or abs(amount_cents) > 10_000_000:
        raise InvalidInput(fields={"amount": [_("Enter a non-zero amount.")]})
    correction = Correction.objects.create(programme=programme, venue=venue,
                                           amount_cents=amount_cents, reason=reason[:160],
                                           at=at, actor=_user(actor))
    audit.record(actor=actor, action="benefits.correction_added", obj=correction, at=at,
                 extra={"amount_cents": amount_cents})
    return correction


def statement_total(statement: Statement) -> str:
    total = statement.lines.aggregate(total=Sum("amount_cents"))["total"] or 0
    return format_cents(total, statement.programme.currency)


def set_monthly_notices(*, person: Person, wanted: bool, actor, at: datetime) -> None:
    NoticePreference.objects.update_or_create(person=person,
                                              defaults={"monthly_notices": wanted})


def choose_member(*, programme: Programme, person: Person, actor, at: datetime):
    """A social worker adds a person to a programme open to "people a social worker chooses"."""
    from civicard.benefits.models import Eligibility, ProgrammeMember
    from civicard.core.permissions import Role, check_role

    check_role(actor, Role.SOCIAL_WORKER)
    if programme.eligibility != Eligibility.CHOSEN:
        raise InvalidInput(fields={"programme": [_("This programme is open without a choice.")]})
    member, _created = ProgrammeMember.objects.get_or_create(
        programme=programme, person=person, defaults={"added_at": at})
    audit.record(actor=actor, action="benefits.member_chosen", obj=programme, at=at,
                 acting_for=person)
    return member
