"""Every write of the library: memberships, loans, renewals, returns, holds and reminders.

Copies of one title change hands only under that title's row lock: every operation that moves a
copy locks the title row first, then the copy (always in this order), checks its rules, then
appends its rows and moves the copy's state. Two desks lending one copy, or a hold and a walk-in
borrower racing for the last copy, are served one after the other: the first to lock wins.
On SQLite, transactions start IMMEDIATE (settings), which serialises them the same way."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from civicard.core import audit
from civicard.core.errors import InvalidInput, PermissionRefused
from civicard.core.permissions import Role, check_role, holds_role
from civicard.library import queries
from civicard.library.catalogue import search_text
from civicard.library.exceptions import (
    AlreadyBorrowed,
    AlreadyHeld,
    AlreadyMember,
    BorrowingPaused,
    HoldNotOpen,
    HoldNotPossible,
    ItemInTransit,
    ItemOnLoan,
    ItemWaitingForSomeoneElse,
    ItemWithdrawn,
    LoanLimitReached,
    MembershipExpired,
    NoHousehold,
    NotBuiltIn,
    NotOnLoan,
    PiecesMissing,
    RenewalLimitReached,
    RenewalRefused,
)
from civicard.library.models import (
    Branch,
    Channel,
    Copy,
    CopyState,
    Hold,
    HoldEnd,
    HoldOutcome,
    HoldReady,
    Kiosk,
    Library,
    Loan,
    Membership,
    MembershipScope,
    Notice,
    Renewal,
    Return,
    Title,
    Transit,
    TransitArrival,
)
from civicard.notifications.operations import notify
from civicard.people.models import Person
from civicard.wallets import operations as wallets

MEMBERSHIP_FEE_REASON = "library-membership"  # the ledger entry's reason for a yearly fee


# Checks ---------------------------------------------------------------------------------------

def check_librarian(actor, library: Library) -> None:
    """Desk work: counter agents and service managers of the library's commune."""
    check_role(actor, Role.COUNTER_AGENT, Role.SERVICE_MANAGER, commune_id=library.commune_id)


def check_manager(actor, library: Library) -> None:
    check_role(actor, Role.SERVICE_MANAGER, commune_id=library.commune_id)


def check_built_in(library: Library) -> None:
    if not library.is_built_in:
        raise NotBuiltIn()


def check_current(membership: Membership, at: datetime) -> None:
    if membership.ends_on < timezone.localdate(at):
        raise MembershipExpired()


def check_may_borrow(membership: Membership, at: datetime) -> None:
    """Borrowing pauses after `overdue_limit` overdue items, and stops at `loan_limit` loans."""
    library = membership.library
    open_loans = queries.open_loans().filter(membership=membership)
    overdue = sum(1 for loan in open_loans if loan.current_due_at < at)
    if library.overdue_limit and overdue >= library.overdue_limit:
        raise BorrowingPaused(count=overdue)
    count = len(open_loans)
    if count >= library.loan_limit:
        raise LoanLimitReached(count=count)


def check_pieces(copy: Copy, pieces_counted: int | None) -> int:
    """How many pieces are missing from a game brought back (0 when not counted)."""
    if copy.pieces is None or pieces_counted is None:
        return 0
    if not isinstance(pieces_counted, int) or not 0 <= pieces_counted <= copy.pieces:
        raise PiecesMissing(pieces=copy.pieces)
    return copy.pieces - pieces_counted


def _locked(copy_pk: int) -> Copy:
    """The title's row, then the copy's: the one lock order of this module."""
    title_pk = Copy.objects.values_list("title_id", flat=True).get(pk=copy_pk)
    Title.objects.select_for_update().filter(pk=title_pk).values_list("pk", flat=True).get()
    return (Copy.objects.select_for_update(of=("self",)).select_related("library", "title")
            .get(pk=copy_pk))


def _lock_title(title: Title) -> None:
    Title.objects.select_for_update().filter(pk=title.pk).values_list("pk", flat=True).get()


# Memberships ----------------------------------------------------------------------------------

def _household_of(person: Person):
    return person.households.order_by("pk").first()


def _new_number(library: Library) -> str:
    return f"{library.pk % 100:02d}{secrets.randbelow(10**8):08d}"


def _charge_fee(*, library: Library, household, period_end: date, membership_key: str, actor,
                at: datetime) -> None:
    if not library.fee_cents:
        return
    if household is None:
        raise NoHousehold()
    account = wallets.open_account(household=household, service=library.fee_service, at=at)
    wallets.charge(account=account, amount_cents=library.fee_cents, reason=MEMBERSHIP_FEE_REASON,
                   idempotency_key=f"library:{membership_key}:{period_end.isoformat()}",
                   actor=actor, at=at, joins_transaction=True)


def join(*, library: Library, person: Person, home_branch: Branch, actor, at: datetime,
         share_with_library_system: bool = False) -> Membership:
    """A person joins (themselves online, or at the desk): for a year, the yearly fee charged
    to the household's account of the library's service. A household membership covers every
    member of the person's household."""
    if getattr(actor, "person", None) != person and not holds_role(actor, Role.COUNTER_AGENT,
                                                 Role.SERVICE_MANAGER,
                                                 commune_id=library.commune_id):
        raise PermissionRefused()
    if home_branch.library_id != library.pk:
        raise InvalidInput(fields={"home_branch": [_("Choose a branch of this library.")]})
    household = _household_of(person)
    owner = {"person": person}
    if library.membership_scope == MembershipScope.HOUSEHOLD:
        if household is None:
            raise NoHousehold()
        owner = {"household": household}
    if queries.membership_of(library, person) is not None:
        raise AlreadyMember()
    ends_on = _one_year_from(timezone.localdate(at))
    with transaction.atomic():
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    membership = Membership.objects.create(
                        library=library, number=_new_number(library), home_branch=home_branch,
                        starts_on=timezone.localdate(at), ends_on=ends_on, created_at=at,
                        share_with_library_system=share_with_library_system, **owner)
                break
            except IntegrityError:
                if Membership.objects.filter(library=library, **owner).exists():
                    raise AlreadyMember() from None
        else:  # pragma: no cover - five colliding random numbers
            raise AlreadyMember()
        _charge_fee(library=library, household=household, period_end=ends_on,
                    membership_key=f"{library.pk}:{membership.number}", actor=actor, at=at)
        audit.record(actor=actor, action="library.joined", obj=membership, at=at)
    return membership


def _one_year_from(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def renew_membership(*, membership: Membership, actor, at: datetime) -> Membership:
    """Another year, from the end of the current one (or from today if it has ended)."""
    library = membership.library
    if not queries.covers(membership, getattr(actor, "person", None)):
        check_librarian(actor, library)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        ends_on = _one_year_from(max(locked.ends_on, timezone.localdate(at)))
        household = locked.household or _household_of(locked.person)
        _charge_fee(library=library, household=household, period_end=ends_on,
                    membership_key=f"{library.pk}:{locked.number}", actor=actor, at=at)
        locked.ends_on = ends_on
        locked.save(update_fields=["ends_on"])
        audit.record(actor=actor, action="library.membership_renewed", obj=locked, at=at,
                     extra={"ends_on": ends_on.isoformat()})
    return locked


# Loans ----------------------------------------------------------------------------------------

def lend(*, membership: Membership, person: Person, copy: Copy, channel: str, actor=None,
         kiosk: Kiosk | None = None, at: datetime) -> Loan:
    """Lend a copy to a member. The same copy asked again for the same member (a kiosk's retry)
    returns the loan already made. A copy kept at the desk goes only to whom it waits for."""
    library = membership.library
    check_built_in(library)
    if kiosk is None:
        check_librarian(actor, library)
    check_current(membership, at)
    with transaction.atomic():
        copy = _locked(copy.pk)
        if copy.state == CopyState.ON_LOAN:
            loan = Loan.objects.get(pk=copy.loan_id)
            if loan.membership_id == membership.pk and loan.person_id == person.pk:
                return loan
            raise ItemOnLoan()
        if copy.state == CopyState.WITHDRAWN:
            raise ItemWithdrawn()
        if copy.state == CopyState.IN_TRANSIT:
            raise ItemInTransit(branch=copy.transit.to_branch.name)
        hold = None
        if copy.state == CopyState.WAITING:
            hold = Hold.objects.get(pk=copy.waiting_for_id)
            if hold.membership_id != membership.pk:
                raise ItemWaitingForSomeoneElse()
        check_may_borrow(membership, at)
        loan = Loan.objects.create(copy=copy, membership=membership, person=person, lent_at=at,
                                   due_at=at + timedelta(days=library.loan_days),
                                   channel=channel, actor=actor, kiosk=kiosk)
        if hold is not None:
            HoldEnd.objects.create(hold=hold, at=at, outcome=HoldOutcome.COLLECTED, actor=actor)
        copy.state, copy.loan, copy.waiting_for = CopyState.ON_LOAN, loan, None
        copy.save(update_fields=["state", "loan", "waiting_for"])
    return loan


@dataclass(frozen=True)
class CheckIn:
    """What a check-in did: the copy as it is now (on the shelf, kept at the desk for someone,
    or in transit to `copy.transit.to_branch`), and the return it recorded — none for a copy
    arriving from another branch."""

    copy: Copy
    returned: Return | None

    @property
    def send_to(self) -> Branch | None:
        """The branch to send the copy to, while it is in transit."""
        return self.copy.transit.to_branch if self.copy.transit_id else None


def check_in(*, copy: Copy, branch: Branch, channel: str, actor=None,
             kiosk: Kiosk | None = None, pieces_counted: int | None = None,
             at: datetime) -> CheckIn:
    """A copy checked in at `branch`, at the desk or a kiosk. A copy on loan is returned; a copy
    in transit arrives when `branch` is where it was sent (checked in anywhere else, it is still
    on its way). Either way the copy then goes to the first in line for its title: kept here if
    they collect it here, sent in transit to their branch otherwise."""
    library = copy.library
    check_built_in(library)
    if kiosk is None:
        check_librarian(actor, library)
    if branch.library_id != library.pk:
        raise InvalidInput(fields={"branch": [_("Choose a branch of this library.")]})
    with transaction.atomic():
        copy = _locked(copy.pk)
        returned = None
        if copy.state == CopyState.IN_TRANSIT:
            transit = copy.transit
            if transit.to_branch_id != branch.pk:
                return CheckIn(copy, None)
            TransitArrival.objects.create(transit=transit, at=at, channel=channel, actor=actor,
                                          kiosk=kiosk)
            copy.transit = None
            if not HoldEnd.objects.filter(hold_id=transit.hold_id).exists():
                copy.state, copy.branch = CopyState.ON_SHELF, branch
                _keep_for(transit.hold, copy, at)
                copy.save(update_fields=["state", "branch", "waiting_for", "transit"])
                return CheckIn(copy, None)
        elif copy.state == CopyState.ON_LOAN:
            missing = check_pieces(copy, pieces_counted)
            returned = Return.objects.create(loan_id=copy.loan_id, at=at, branch=branch,
                                             pieces_missing=missing, channel=channel,
                                             actor=actor, kiosk=kiosk)
            copy.loan = None
        else:
            raise NotOnLoan()
        copy.state, copy.branch = CopyState.ON_SHELF, branch
        _set_aside_for_next(copy, at)
        copy.save(update_fields=["state", "loan", "waiting_for", "transit", "branch"])
    return CheckIn(copy, returned)


def _set_aside_for_next(copy: Copy, at: datetime) -> None:
    """Under the title's lock: give a copy now on the shelf to the first in line for its title —
    kept at the desk when they collect it at the copy's branch, sent in transit otherwise (the
    copy is saved by the caller)."""
    hold = queries.waiting_holds(copy.title_id).select_related("pickup_branch").first()
    if hold is None:
        return
    if hold.pickup_branch_id == copy.branch_id:
        _keep_for(hold, copy, at)
    else:
        copy.state = CopyState.IN_TRANSIT
        copy.transit = Transit.objects.create(copy=copy, hold=hold, from_branch=copy.branch,
                                              to_branch=hold.pickup_branch, sent_at=at)


def _keep_for(hold: Hold, copy: Copy, at: datetime) -> HoldReady:
    """The copy waits at the desk of its branch for `hold`, whose person is told to come."""
    ready = HoldReady.objects.create(hold=hold, copy=copy, at=at,
                                     collect_by=at + timedelta(days=copy.library.pickup_days))
    copy.state, copy.waiting_for = CopyState.WAITING, hold
    _tell_ready(ready)  # the inbox row is written with the hold; the e-mail leaves on commit
    return ready


def _day(person: Person, value) -> str:
    """A date as the person reads it, in their language."""
    with translation.override(person.language):
        return formats.date_format(value, "DATE_FORMAT")


def _tell_ready(ready: HoldReady) -> None:
    hold = ready.hold
    notify(to=hold.person.addressee, kind="library.hold_ready",
           subject=_("Your reserved item is ready"),
           body=_("“%(title)s” is waiting for you at %(branch)s until %(date)s."),
           params={"title": hold.title.title, "branch": hold.pickup_branch.name,
                   "date": _day(hold.person, timezone.localdate(ready.collect_by))},
           url=reverse("library:my_library"), at=ready.at)


def renew(*, loan: Loan, channel: str, actor=None, at: datetime) -> Renewal:
    """A new due date, `loan_days` from now — unless someone is waiting for the title, the
    library's renewal limit is reached, or the loan is overdue past the pause."""
    copy = loan.copy
    library = copy.library
    check_built_in(library)
    if channel == Channel.DESK:
        check_librarian(actor, library)
    with transaction.atomic():
        copy = _locked(copy.pk)
        if copy.loan_id != loan.pk:
            raise NotOnLoan()
        if queries.waiting_holds(copy.title_id).exists():
            raise RenewalRefused()
        count = loan.renewals.count()
        if count >= library.renewals:
            raise RenewalLimitReached(count=count)
        return Renewal.objects.create(loan=loan, at=at, channel=channel, actor=actor,
                                      due_at=at + timedelta(days=library.loan_days))


# Holds ----------------------------------------------------------------------------------------

def place_hold(*, title: Title, membership: Membership, person: Person, pickup_branch: Branch,
               channel: str, actor=None, at: datetime) -> Hold:
    """Join the title's queue. A copy on the shelf is claimed at once, so a walk-in borrower who
    comes after cannot take it: kept at the desk when it is at the pickup branch, else one from
    another branch is sent there in transit."""
    library = title.library
    check_built_in(library)
    check_current(membership, at)
    if pickup_branch.library_id != library.pk:
        raise HoldNotPossible()
    if not title.copies.exclude(state=CopyState.WITHDRAWN).exists():
        raise HoldNotPossible()
    with transaction.atomic():
        _lock_title(title)
        if queries.open_holds().filter(title=title, membership=membership,
                                       person=person).exists():
            raise AlreadyHeld()
        if queries.open_loans().filter(copy__title=title, person=person).exists():
            raise AlreadyBorrowed()
        hold = Hold.objects.create(title=title, membership=membership, person=person,
                                   pickup_branch=pickup_branch, placed_at=at, channel=channel,
                                   actor=actor)
        on_shelf = (Copy.objects.select_for_update(of=("self",)).select_related("library")
                    .filter(title=title, state=CopyState.ON_SHELF))
        copy = (on_shelf.filter(branch=pickup_branch).order_by("pk").first()
                or on_shelf.order_by("pk").first())
        if copy is not None:
            _set_aside_for_next(copy, at)
            copy.save(update_fields=["state", "waiting_for", "transit"])
    return hold


def _end_hold(hold: Hold, outcome: str, *, actor, at: datetime) -> HoldEnd:
    """Under the title's lock: close the hold; a copy it kept goes to the next in line."""
    end = HoldEnd.objects.create(hold=hold, outcome=outcome, at=at, actor=actor)
    copy = Copy.objects.select_for_update(of=("self",)).select_related("library").filter(
        waiting_for=hold).first()
    if copy is not None:
        copy.state, copy.waiting_for = CopyState.ON_SHELF, None
        _set_aside_for_next(copy, at)
        copy.save(update_fields=["state", "waiting_for", "transit"])
    return end


def cancel_hold(*, hold: Hold, actor, at: datetime) -> HoldEnd:
    if getattr(actor, "person", None) != hold.person:
        check_librarian(actor, hold.title.library)
    with transaction.atomic():
        _lock_title(hold.title)
        if HoldEnd.objects.filter(hold=hold).exists():
            raise HoldNotOpen()
        return _end_hold(hold, HoldOutcome.CANCELLED, actor=actor, at=at)


def expire_pickups(*, at: datetime) -> int:
    """Close the holds not collected by their deadline; each copy goes to the next in line."""
    expired = 0
    for hold in queries.ready_holds().filter(ready__collect_by__lt=at).select_related("title"):
        with transaction.atomic():
            _lock_title(hold.title)
            if HoldEnd.objects.filter(hold=hold).exists():
                continue
            _end_hold(hold, HoldOutcome.EXPIRED, actor=None, at=at)
            expired += 1
    return expired


def forget_person(*, person: Person, at: datetime) -> None:
    """On erasure, as for payments: the loans stay, pointing at the person row that no longer
    says who they were, so a copy still out can be checked in; a loan still open is no reason to
    keep a name. Their open holds are cancelled (a copy kept for them goes to the next in line),
    their own memberships end and are no longer shared with a library's system."""
    for hold in queries.open_holds().filter(person=person).select_related("title"):
        with transaction.atomic():
            _lock_title(hold.title)
            if not HoldEnd.objects.filter(hold=hold).exists():
                _end_hold(hold, HoldOutcome.CANCELLED, actor=None, at=at)
    Membership.objects.filter(person=person).update(
        share_with_library_system=False,
        ends_on=Greatest("starts_on", Value(timezone.localdate(at))))


# Reminders ------------------------------------------------------------------------------------

def _send_once(key: str, person: Person, at: datetime, **message) -> bool:
    try:
        with transaction.atomic():
            Notice.objects.create(key=key, person=person, at=at)
            notify(to=person.addressee, at=at, url=reverse("library:my_library"), **message)
    except IntegrityError:
        return False
    return True


def send_reminders(*, at: datetime) -> int:
    """Due soon, overdue, and membership ending: each sent once, in the reader's language."""
    sent = 0
    for loan in queries.open_loans().filter(person__erased_at=None).select_related(
            "person", "copy__title", "copy__library"):
        due = loan.current_due_at
        params = {"title": loan.copy.title.title,
                  "date": _day(loan.person, timezone.localdate(due))}
        if due < at:
            sent += _send_once(f"overdue:{loan.pk}:{timezone.localdate(due)}", loan.person, at,
                               kind="library.overdue", subject=_("An item is overdue"),
                               body=_("Please bring back “%(title)s”: it was due on %(date)s."),
                               params=params)
        elif due - timedelta(days=loan.copy.library.reminder_days) <= at:
            sent += _send_once(f"due:{loan.pk}:{timezone.localdate(due)}", loan.person, at,
                               kind="library.due_soon", subject=_("An item is due soon"),
                               body=_("“%(title)s” is due back on %(date)s."), params=params)
    for membership in Membership.objects.select_related("library", "person", "household"):
        notice_from = membership.ends_on - timedelta(days=membership.library.renewal_notice_days)
        if not notice_from <= timezone.localdate(at) <= membership.ends_on:
            continue
        person = queries.owner_person(membership)
        if person is None or person.erased_at:
            continue
        sent += _send_once(
            f"membership:{membership.pk}:{membership.ends_on}", person, at,
            kind="library.membership_ending", subject=_("Your library membership ends soon"),
            body=_("Your membership of %(library)s ends on %(date)s. Renew it at the desk "
                   "or online."),
            params={"library": membership.library.name,
                    "date": _day(person, membership.ends_on)})
    return sent


# Catalogue and kiosks -------------------------------------------------------------------------

@dataclass(frozen=True)
class TitleDetails:
    """What staff write about a title (checked at the edge, by the form or the import)."""

    kind: str
    title: str
    author: str = ""
    publisher: str = ""
    year: int | None = None
    isbn: str = ""


def add_title(*, library: Library, details: TitleDetails, actor, at: datetime) -> Title:
    check_librarian(actor, library)
    return _save_title(Title(library=library, created_at=at), details, actor=actor, at=at,
                       action="library.title_added")


def edit_title(*, title: Title, details: TitleDetails, actor, at: datetime) -> Title:
    check_librarian(actor, title.library)
    return _save_title(title, details, actor=actor, at=at, action="library.title_edited")


def _save_title(title: Title, details: TitleDetails, *, actor, at: datetime,
                action: str) -> Title:
    for name, value in vars(details).items():
        setattr(title, name, value)
    title.search_text = search_text(title)
    title.save()
    audit.record(actor=actor, action=action, obj=title, at=at)
    return title


def _checked_barcode(barcode: str) -> str:
    barcode = (barcode or "").strip()
    if not barcode or len(barcode) > 40:
        raise InvalidInput(fields={"barcode": [_("Enter the barcode on the item.")]})
    return barcode


def _barcode_taken() -> InvalidInput:
    return InvalidInput(fields={"barcode": [_("Another item already has this barcode.")]})


def add_copy(*, title: Title, branch: Branch, barcode: str, actor, pieces: int | None = None,
             at: datetime) -> Copy:
    check_librarian(actor, title.library)
    barcode = _checked_barcode(barcode)
    if branch.library_id != title.library_id:
        raise InvalidInput(fields={"branch": [_("Choose a branch of this library.")]})
    try:
        with transaction.atomic():
            copy = Copy.objects.create(library=title.library, title=title, branch=branch,
                                       barcode=barcode, pieces=pieces)
    except IntegrityError:
        raise _barcode_taken() from None
    audit.record(actor=actor, action="library.copy_added", obj=copy, at=at)
    return copy


def edit_copy(*, copy: Copy, barcode: str, pieces: int | None, actor, at: datetime) -> Copy:
    """A copy's label and its number of pieces; where it is and its state move only by
    lending, check-ins and holds."""
    check_librarian(actor, copy.library)
    barcode = _checked_barcode(barcode)
    try:
        with transaction.atomic():
            Copy.objects.filter(pk=copy.pk).update(barcode=barcode, pieces=pieces)
    except IntegrityError:
        raise _barcode_taken() from None
    copy.barcode, copy.pieces = barcode, pieces
    audit.record(actor=actor, action="library.copy_edited", obj=copy, at=at)
    return copy


def withdraw(*, copy: Copy, actor, at: datetime) -> Copy:
    check_librarian(actor, copy.library)
    with transaction.atomic():
        copy = _locked(copy.pk)
        if copy.state == CopyState.ON_LOAN:
            raise ItemOnLoan()
        if copy.state == CopyState.WAITING:
            raise ItemWaitingForSomeoneElse()
        if copy.state == CopyState.IN_TRANSIT:
            raise ItemInTransit(branch=copy.transit.to_branch.name)
        copy.state = CopyState.WITHDRAWN
        copy.save(update_fields=["state"])
        audit.record(actor=actor, action="library.copy_withdrawn", obj=copy, at=at)
    return copy


def add_kiosk(*, library: Library, branch: Branch, name: str, login: str, password: str,
              actor) -> Kiosk:
    check_manager(actor, library)
    return Kiosk.objects.create(library=library, branch=branch, name=name, login=login,
                                password_hash=make_password(password))
