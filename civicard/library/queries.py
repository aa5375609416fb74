"""Reads of the library: patrons behind a presented card, availability, a resident's loans and
holds. A loan is open while it has no Return; its due date is the last renewal's, else its own."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import Count, Max, Q
from django.db.models.functions import Coalesce

from civicard.cards.exceptions import CardUnknown
from civicard.cards.queries import card_for_credential
from civicard.core.text import searchable
from civicard.library.exceptions import ItemUnknown, PatronUnknown
from civicard.library.models import (
    Copy,
    CopyState,
    Hold,
    Library,
    Loan,
    Membership,
    Title,
    TitleSearch,
)
from civicard.people.models import Person

PAGE_SIZE = 20
MAX_SEARCH_WORDS = 8
ISBN_DASH = re.compile(r"(?<=\d)-(?=[\dXx])")
# The document searched on PostgreSQL, and the expression its GIN index is built on (migration
# 0004): the 'simple' configuration only splits words, the text being normalised already.
SEARCH_CONFIG = "simple"
SEARCH_DOCUMENT = SearchVector("search_text", config=SEARCH_CONFIG)


def open_loans():
    return (Loan.objects.filter(returned__isnull=True)
            .annotate(current_due_at=Coalesce(Max("renewals__due_at"), "due_at")))


def open_holds():
    return Hold.objects.filter(end__isnull=True)


def waiting_holds(title_id: int):
    """The title's queue: open holds with no copy set aside or on its way yet, first placed
    first."""
    return (open_holds().filter(title_id=title_id, ready__isnull=True, transit__isnull=True)
            .order_by("placed_at", "pk"))


def ready_holds():
    return open_holds().filter(ready__isnull=False)


# Patrons --------------------------------------------------------------------------------------

def memberships_of(person: Person):
    """The person's own memberships and those of their households."""
    households = person.memberships.values("household_id")
    return (Membership.objects.filter(Q(person=person) | Q(household__in=households))
            .select_related("library", "home_branch").order_by("library__name"))


def membership_of(library: Library, person: Person) -> Membership | None:
    return memberships_of(person).filter(library=library).first()


def covers(membership: Membership, person: Person | None) -> bool:
    if person is None:
        return False
    if membership.person_id is not None:
        return membership.person_id == person.pk
    return membership.household.memberships.filter(person=person).exists()


def owner_person(membership: Membership) -> Person | None:
    """Who hears about a membership: its person, or the household's first guardian."""
    if membership.person_id is not None:
        return membership.person
    guardian = membership.household.memberships.filter(is_guardian=True).order_by("pk").first()
    return guardian.person if guardian else None


@dataclass(frozen=True)
class Patron:
    membership: Membership
    person: Person


def find_patron(library: Library, credential: str, at: datetime) -> Patron:
    """The patron behind what a desk scanner or a kiosk read: the library's membership number,
    the Civicard card's chip number, or the digital card's rotating code. Raises PatronUnknown
    (or the card's own error: blocked, expired, QR code too old)."""
    credential = (credential or "").strip()
    if not credential or len(credential) > 200:
        raise PatronUnknown()
    membership = (Membership.objects.select_related("library", "person", "household")
                  .filter(library=library, number=credential).first())
    if membership is not None:
        person = owner_person(membership)
        if person is None or person.erased_at:
            raise PatronUnknown()
        return Patron(membership, person)
    try:
        card = card_for_credential(credential, at)
    except CardUnknown:
        raise PatronUnknown() from None
    membership = membership_of(library, card.person)
    if membership is None:
        raise PatronUnknown()
    return Patron(membership, card.person)


def find_copy(library: Library, barcode: str) -> Copy:
    copy = (Copy.objects.select_related("title", "branch", "library")
            .filter(library=library, barcode=(barcode or "").strip()[:40]).first())
    if copy is None:
        raise ItemUnknown()
    return copy


# Catalogue ------------------------------------------------------------------------------------

def search_words(text: str) -> list[str]:
    """The words searched for: normalised as titles are (see catalogue.search_text), an ISBN
    typed with its dashes kept whole, at most eight."""
    return searchable(ISBN_DASH.sub("", text or "")).split()[:MAX_SEARCH_WORDS]


def search(*, library: Library | None, text: str, kind: str = ""):
    """Titles with a word starting with each word searched for, in the title, the author or
    the ISBN, accents and case ignored ("eleve" finds "Élève", "prin" finds "Prince"):
    full-text search on the normalised text, with PostgreSQL's GIN index (migration 0004), best
    matches first, or SQLite's FTS5 table (migration 0005), by title. Both find what the plain
    filters of `matching_plain` find (tests/library/test_search.py). Count and slice it as it
    is; `with_shelf_counts` adds the copies to the page shown."""
    titles = Title.objects.select_related("library")
    if library is not None:
        titles = titles.filter(library=library)
    if kind:
        titles = titles.filter(kind=kind)
    words = search_words(text)
    if not words:
        return titles.order_by("title", "pk")
    vendor = connections[titles.db].vendor
    if vendor == "postgresql":
        return matching_full_text(titles, words)
    if vendor == "sqlite":
        return matching_fts5(titles, words)
    return matching_plain(titles, words)


def matching_full_text(titles, words: list[str]):
    """PostgreSQL: every word as a prefix of a word of the indexed document, ranked."""
    query = SearchQuery(" & ".join(f"{word}:*" for word in words), config=SEARCH_CONFIG,
                        search_type="raw")  # safe: normalised words are letters and digits only
    return (titles.alias(document=SEARCH_DOCUMENT, rank=SearchRank(SEARCH_DOCUMENT, query))
            .filter(document=query).order_by("-rank", "title", "pk"))


def matching_fts5(titles, words: list[str]):
    """SQLite: every word as a prefix of a word of the FTS5 index, in title order. The index is
    read as a subquery (`pk IN (…)`), not joined: joined, SQLite without statistics (no ANALYZE,
    the usual case) probes the index once per title of the library, seconds at 200,000 titles;
    this form is one index read whatever the statistics (decision 0019)."""
    query = " ".join(f'"{word}"*' for word in words)  # safe: letters and digits only, quoted
    found = TitleSearch.objects.filter(search_text__match=query).values("title_id")
    return titles.filter(pk__in=found).order_by("title", "pk")


def matching_plain(titles, words: list[str]):
    """Any database, without an index (what the full-text searches are tested against): the
    normalised text is words between single spaces, so a word starts either the text or after a
    space."""
    for word in words:
        titles = titles.filter(Q(search_text__startswith=word)
                               | Q(search_text__contains=f" {word}"))
    return titles.order_by("title", "pk")


def with_shelf_counts(titles) -> list[Title]:
    """The titles (one page), each with `on_shelf` and `copy_count` (not withdrawn)."""
    titles = list(titles)
    counts = {row["title_id"]: row for row in Copy.objects.filter(
        title__in=[t.pk for t in titles]).values("title_id").annotate(
        on_shelf=Count("pk", filter=Q(state=CopyState.ON_SHELF)),
        copy_count=Count("pk", filter=~Q(state=CopyState.WITHDRAWN)))}
    for title in titles:
        row = counts.get(title.pk, {})
        title.on_shelf, title.copy_count = row.get("on_shelf", 0), row.get("copy_count", 0)
    return titles


@dataclass(frozen=True)
class BranchAvailability:
    branch: object
    on_shelf: int
    total: int
    next_due: datetime | None


def availability(title: Title) -> list[BranchAvailability]:
    """Per branch: copies on the shelf, copies in all, and the soonest due date of the others."""
    rows = {}
    for copy in title.copies.exclude(state=CopyState.WITHDRAWN).select_related("branch"):
        on_shelf, total, _ = rows.get(copy.branch, (0, 0, None))
        rows[copy.branch] = (on_shelf + (copy.state == CopyState.ON_SHELF), total + 1, None)
    dues = {}
    for loan in open_loans().filter(copy__title=title).select_related("copy"):
        branch_id = loan.copy.branch_id
        if branch_id not in dues or loan.current_due_at < dues[branch_id]:
            dues[branch_id] = loan.current_due_at
    return [BranchAvailability(branch, on_shelf, total, dues.get(branch.pk))
            for branch, (on_shelf, total, _) in sorted(rows.items(), key=lambda r: r[0].name)]


def queue_position(hold: Hold) -> int:
    """1 for the first in line."""
    return waiting_holds(hold.title_id).filter(
        Q(placed_at__lt=hold.placed_at) | Q(placed_at=hold.placed_at, pk__lt=hold.pk)).count() + 1


# A resident's library ---------------------------------------------------------------------------

@dataclass(frozen=True)
class HoldLine:
    hold: Hold
    position: int | None  # in the queue, while no copy is on its way or waiting
    collect_by: datetime | None  # when a copy waits at the desk
    in_transit: bool = False  # a copy is on its way from another branch


def loans_of(person: Person):
    return (open_loans().filter(person=person)
            .select_related("copy__title", "copy__library", "copy__branch")
            .order_by("current_due_at", "pk"))


def holds_of(person: Person) -> list[HoldLine]:
    lines = []
    for hold in (open_holds().filter(person=person)
                 .select_related("title__library", "pickup_branch", "ready", "transit")
                 .order_by("placed_at", "pk")):
        ready = getattr(hold, "ready", None)
        in_transit = ready is None and hasattr(hold, "transit")
        lines.append(HoldLine(hold, None if ready or in_transit else queue_position(hold),
                              ready.collect_by if ready else None, in_transit))
    return sorted(lines, key=lambda line: (line.collect_by is None, line.hold.placed_at))


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def export_of(person: Person) -> dict:
    """The person's library data for their own export: memberships, every loan (returned or
    not) and every hold with what became of it."""
    loans = (Loan.objects.filter(person=person)
             .annotate(current_due_at=Coalesce(Max("renewals__due_at"), "due_at"),
                       renewal_count=Count("renewals"))
             .select_related("copy__title", "copy__library", "returned").order_by("lent_at", "pk"))
    holds = (Hold.objects.filter(person=person)
             .select_related("title__library", "pickup_branch", "ready", "transit", "end")
             .order_by("placed_at", "pk"))
    return {
        "memberships": [
            {"library": m.library.name, "number": m.number, "home_branch": m.home_branch.name,
             "for_household": m.household_id is not None, "from": _iso(m.starts_on),
             "until": _iso(m.ends_on), "shared_with_library_system": m.share_with_library_system}
            for m in memberships_of(person)],
        "loans": [
            {"library": loan.copy.library.name, "title": loan.copy.title.title,
             "barcode": loan.copy.barcode, "lent_at": _iso(loan.lent_at),
             "due_at": _iso(loan.current_due_at), "renewals": loan.renewal_count,
             "returned_at": _iso(getattr(getattr(loan, "returned", None), "at", None))}
            for loan in loans],
        "holds": [
            {"library": hold.title.library.name, "title": hold.title.title,
             "pickup_branch": hold.pickup_branch.name, "placed_at": _iso(hold.placed_at),
             "sent_from_another_branch_at": _iso(
                 getattr(getattr(hold, "transit", None), "sent_at", None)),
             "ready_at": _iso(getattr(getattr(hold, "ready", None), "at", None)),
             "ended": getattr(getattr(hold, "end", None), "outcome", None),
             "ended_at": _iso(getattr(getattr(hold, "end", None), "at", None))}
            for hold in holds],
    }


def libraries():
    return Library.objects.prefetch_related("branches").order_by("name")


KOHA_PATRON_COLUMNS = ["cardnumber", "surname", "firstname", "branchcode", "categorycode",
                       "email", "dateofbirth", "dateexpiry"]


def koha_patron_rows(library: Library, *, category: str = "PT"):
    """Members who agreed to it, in Koha's patron-import layout; the card number is the
    membership number, which the connector sends to the library's system for the card. Read in
    chunks, so that a download streamed from it (`core.spreadsheets.csv_response`) keeps a
    constant memory."""
    for membership in (library.memberships.filter(share_with_library_system=True)
                       .select_related("person", "household", "home_branch").order_by("number")
                       .iterator(chunk_size=500)):
        person = owner_person(membership)
        if person is None or person.erased_at:
            continue
        *first, last = person.full_name.split() or [""]
        yield [membership.number, last, " ".join(first), membership.home_branch.code, category,
               person.email, person.birth_date.isoformat() if person.birth_date else "",
               membership.ends_on.isoformat()]
