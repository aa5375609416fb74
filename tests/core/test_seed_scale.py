"""`civicard seed-scale`: the bulk rows (core/bulk.py: COPY on PostgreSQL, bulk_create on
SQLite) pass the consistency commands, follow the seeds' rates, and a second run resumes
without doubling anything."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F, Q, Sum

from civicard.access.models import AccessChange, DailyUses, Decision, Outcome, QuotaCounter
from civicard.access.queries import recount_daily_uses
from civicard.agenda.models import Follow
from civicard.benefits import scale as benefits_scale
from civicard.benefits.models import (
    Booklet,
    BookletStatus,
    MonthlyUsage,
    Redemption,
    RedemptionDay,
    Voucher,
)
from civicard.benefits.queries import recount_redemption_days
from civicard.bookings.models import Booking, Companion, Status
from civicard.cards.models import Card, CardStatus
from civicard.childhood.models import (
    HOLDS_A_PLACE,
    ChildEnrolment,
    EnrolmentStatus,
    Reservation,
    Unit,
    UnitDay,
    UnitPrice,
)
from civicard.childhood.queries import check_billing
from civicard.childhood.scale import GROUP
from civicard.core import clock, scale
from civicard.core.bulk import Writer
from civicard.inclusion import scale as inclusion_scale
from civicard.inclusion.models import Accompaniment, FirstSeen, Place
from civicard.inclusion.queries import recount_first_seen
from civicard.library.models import Copy, CopyState, Loan, Return
from civicard.library.models import Membership as LibraryMembership
from civicard.moderation.models import ContentReport
from civicard.moderation.models import Decision as ModerationDecision
from civicard.mutualaid import scale as mutualaid_scale
from civicard.mutualaid.models import Conversation, Message, Post
from civicard.people.models import Household, Membership, Person
from civicard.wallets.models import Account, LedgerEntry
from civicard.wallets.queries import check_ledger

CHUNK = 40  # households per chunk
DEMO = 60  # the demo loaders' households, fewer than a real run's (as in test_demo)


@pytest.fixture
def small_demo(monkeypatch):
    monkeypatch.setattr(scale, "DEMO_HOUSEHOLDS", DEMO)


def residents_for(chunks: int) -> int:
    return round((DEMO + chunks * CHUNK) * scale.PEOPLE_PER_HOUSEHOLD)


def seed(chunks: int) -> str:
    out = io.StringIO()
    call_command("seed_scale", residents=residents_for(chunks), households_per_chunk=CHUNK,
                 stdout=out)
    return out.getvalue()


# the later capabilities' tables (their demo rows, then the chunks')
LATER = (Booking, Companion, ChildEnrolment, Unit, UnitPrice, UnitDay, Reservation,
         LibraryMembership, Copy, Loan, Return, Follow)


def counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in
            (Household, Person, Membership, Card, Account, LedgerEntry, Decision,
             QuotaCounter, AccessChange, *LATER, Place, Accompaniment, Post, Conversation,
             Message, MonthlyUsage, Booklet, Voucher, Redemption)}


def drawn(chunks: int, now) -> dict[str, int]:
    """The rows the chunk plan gives each model: the chunks drawn again (seeded by their
    number), without writing them."""
    run, rows = scale.Run(now=now), {}
    for index, households in enumerate(scale.plan(residents_for(chunks), CHUNK)):
        chunk = scale.Chunk(run=run, index=index, households=households,
                            writer=Writer(now, run.ids), rng=scale.random.Random(
                                f"civicard-scale-{index}"))
        for module in scale.scale_modules():
            if hasattr(module, "build"):
                module.build(chunk)
        for model, table in chunk.writer.tables.items():
            rows[model._meta.label] = rows.get(model._meta.label, 0) + len(table.rows)
    return rows


def test_plan_is_whole_chunks_whatever_n():
    assert scale.plan(0) == []
    assert scale.plan(round(200 * 2.66), per_chunk=100) == []
    assert scale.plan(round(201 * 2.66), per_chunk=100) == [100]
    assert scale.plan(round(500 * 2.66), per_chunk=100) == [100, 100, 100]
    assert scale.plan(1_000_000) == [4000] * 94


def test_seed_scale_writes_consistent_chunks_resumes_and_never_doubles(db, small_demo,
                                                                       monkeypatch):
    """One demo load for it all (the demo is most of the test's time): two chunks, then a run
    for three that writes only the third, then a run that writes nothing."""
    # booklets for a quarter of the households: a 40-household chunk has some to spend
    monkeypatch.setattr(benefits_scale, "BOOKLET_HOUSEHOLDS", 0.25)
    with clock.frozen(clock.now()) as now:
        seed_and_check(now, monkeypatch)


def seed_and_check(now, monkeypatch):
    assert Household.objects.count() == 0
    rebuild_all = scale.rebuild_all
    monkeypatch.setattr(scale, "rebuild_all", lambda progress=None: {})
    out = seed(2)
    assert "2/2 chunks" in out and "Scale territory ready" in out
    # the booklets' voucher counts as written, before any recount, are what a recount finds
    written = list(Booklet.objects.order_by("pk").values_list("voucher_count", "vouchers_used"))
    assert len(written) > 400  # the demo's 400 and the chunks'
    call_command("rebuild_summaries", stdout=io.StringIO())
    assert list(Booklet.objects.order_by("pk").values_list(
        "voucher_count", "vouchers_used")) == written
    monkeypatch.setattr(scale, "rebuild_all", rebuild_all)
    two = counts()
    out = seed(3)
    assert "Resuming: 2 of 3 chunks already written." in out and "1/1 chunks" in out
    assert counts()["people.Household"] == two["people.Household"] + CHUNK
    connection.check_constraints()  # every foreign key points at a row
    # no card number twice: the third chunk drew its own
    assert Card.objects.values("number").annotate(n=Count("pk")).filter(n__gt=1).count() == 0

    # the demo's households (and its four named ones, the association editor's among them),
    # then the chunks'
    households = Household.objects.count()
    assert households == DEMO + 4 + 3 * CHUNK
    bulk = Household.objects.order_by("-pk")[:3 * CHUNK].values_list("pk", flat=True)
    people = Person.objects.filter(memberships__household__in=list(bulk)).distinct()
    n_people = people.count()
    assert 3 * CHUNK <= n_people <= 5 * 3 * CHUNK
    # one live card each (a few lost and replaced, a few blocked), a household each
    assert Membership.objects.filter(person__in=people).count() == n_people
    live = Card.objects.filter(person__in=people, status=CardStatus.ACTIVE)
    blocked_only = people.exclude(cards__status=CardStatus.ACTIVE).count()
    assert live.count() == n_people - blocked_only
    assert live.values("person").annotate(n=Count("pk")).filter(n__gt=1).count() == 0

    # the ledger: every balance is the sum of its entries, every running balance in order
    assert check_ledger() == []
    assert check_billing() == []
    entries = LedgerEntry.objects.filter(idempotency_key__startswith="scale:")
    assert entries.count() > 3 * n_people  # a year of canteen months and pool visits
    accounts = Account.objects.filter(household__in=list(bulk))
    assert (accounts.aggregate(s=Sum("balance_cents"))["s"]
            == LedgerEntry.objects.filter(account__in=accounts).aggregate(
                s=Sum("amount_cents"))["s"])

    # door decisions at the seeds' rate (3,000 a week per 39,000 residents), rounded per chunk;
    # each allowed pool entry is the charge that paid it
    decisions = Decision.objects.filter(idempotency_key__startswith="scale-")
    assert abs(decisions.count() - 3000 / 39000 * 52 * n_people) <= 3
    charged = decisions.filter(entry__isnull=False)
    assert charged.count() == entries.filter(reason_code="entry").count()
    assert not charged.exclude(outcome=Outcome.ALLOW).exists()
    assert decisions.filter(entry__isnull=True, reason_code="insufficient_balance",
                            shortfall_cents__gt=0).count() == decisions.filter(
        reason_code="insufficient_balance").count()
    counted = decisions.filter(counted=True).count()
    assert QuotaCounter.objects.aggregate(s=Sum("used"))["s"] == counted > 0
    assert AccessChange.objects.filter(person__isnull=True).count() >= 3
    # the dashboards' summaries were recounted after the bulk chunks
    assert {(row.checkpoint_id, row.terminal_id, row.day): row.allowed
            for row in DailyUses.objects.all()} == recount_daily_uses()
    assert DailyUses.objects.aggregate(s=Sum("allowed"))["s"] == Decision.objects.filter(
        outcome=Outcome.ALLOW).count()

    later_capabilities(now, bulk, people, accounts)
    ordered = sorted(bulk)
    chunks = [list(Person.objects.filter(
        memberships__household__in=ordered[i * CHUNK:(i + 1) * CHUNK]).values_list("pk", flat=True))
        for i in range(3)]
    check_benefits_inclusion_mutualaid(chunks)

    # a second run finds every chunk written: nothing is added
    written = counts()
    out = seed(3)
    assert "Nothing to do: the 3 chunks" in out
    assert counts() == written



def later_capabilities(now, bulk, people, accounts):
    """Bookings, childhood, library and agenda: the rows the chunk plan gives, each kept as
    the operations keep it."""
    bulk = list(bulk)
    ours = {
        "bookings.Booking": Booking.objects.filter(idempotency_key__startswith="scale:"),
        "bookings.Companion": Companion.objects.filter(
            booking__idempotency_key__startswith="scale:"),
        "childhood.ChildEnrolment": ChildEnrolment.objects.filter(household__in=bulk),
        "childhood.Unit": Unit.objects.filter(name__regex=GROUP),
        "childhood.UnitPrice": UnitPrice.objects.filter(unit__name__regex=GROUP),
        "childhood.UnitDay": UnitDay.objects.filter(unit__name__regex=GROUP),
        "childhood.Reservation": Reservation.objects.filter(enrolment__household__in=bulk),
        "library.Membership": LibraryMembership.objects.filter(number__startswith="S"),
        "library.Copy": Copy.objects.filter(barcode__startswith="S"),
        "library.Loan": Loan.objects.filter(copy__barcode__startswith="S"),
        "library.Return": Return.objects.filter(loan__copy__barcode__startswith="S"),
        "agenda.Follow": Follow.objects.filter(person__in=people),
        "wallets.Account": accounts,
        "wallets.LedgerEntry": LedgerEntry.objects.filter(account__in=accounts),
    }
    expected = drawn(3, now)
    assert {label: rows.count() for label, rows in ours.items()} == {
        label: expected.get(label, 0) for label in ours}
    assert all(expected[label] for label in ours if label != "bookings.Companion")

    # bookings: never two confirmed on one slot; each priced one charged (refunded when
    # cancelled in time) by entries that are the booking's, as `book` and `cancel` key them
    bookings = ours["bookings.Booking"]
    confirmed = Booking.objects.filter(status=Status.CONFIRMED)
    assert confirmed.values("resource", "start").annotate(n=Count("pk")).filter(
        n__gt=1).count() == 0
    for booking in bookings.filter(price_cents__gt=0).select_related("charge", "refund"):
        assert booking.charge.idempotency_key == f"booking:{booking.pk}"
        assert booking.charge.amount_cents == -booking.price_cents
        if booking.refund is not None:
            assert booking.status == Status.CANCELLED
            assert booking.refund.amount_cents == booking.price_cents
    assert not bookings.filter(price_cents=0, charge__isnull=False).exists()
    assert bookings.filter(end__lte=now, status=Status.CONFIRMED, no_show__isnull=True
                           ).count() == 0
    assert bookings.filter(end__gt=now, no_show__isnull=False).count() == 0

    # childhood: a day's `booked` is its reservations holding a place, within its capacity;
    # no reservation in a closed month (check-billing above), one live enrolment per child
    for unit_day in ours["childhood.UnitDay"].annotate(
            holding=Count("reservations", filter=Q(reservations__state__in=HOLDS_A_PLACE))):
        assert unit_day.booked == unit_day.holding <= unit_day.capacity
    assert ours["childhood.ChildEnrolment"].filter(status=EnrolmentStatus.WAITING).count() \
        + ours["childhood.ChildEnrolment"].filter(status=EnrolmentStatus.ACTIVE).count() \
        == ours["childhood.ChildEnrolment"].count()

    # library: a copy is on loan exactly when its last loan is not returned, loans of a copy
    # one after the other
    for copy in ours["library.Copy"].prefetch_related("loans__returned"):
        loans = sorted(copy.loans.all(), key=lambda loan: loan.lent_at)
        out = [loan for loan in loans if not hasattr(loan, "returned")]
        assert len(out) == (copy.state == CopyState.ON_LOAN)
        assert copy.loan_id == (out[0].pk if out else None)
        assert not out or out[0] is loans[-1]
        for before, after in zip(loans, loans[1:], strict=False):
            assert before.returned.at <= after.lent_at


def check_benefits_inclusion_mutualaid(chunks: list[list[int]]) -> None:
    """The rows benefits, inclusion and mutualaid add for the chunks' residents (`chunks`: the
    people of each chunk): as many as the chunk plan says, consistent with their tallies."""
    people = [person for chunk in chunks for person in chunk]
    # places: one per 100 residents of each chunk, each in its neighbourhood's commune
    places = Place.objects.filter(standard_id__startswith="scale-")
    assert places.count() == sum(round(len(c) / inclusion_scale.RESIDENTS_PER_PLACE)
                                 for c in chunks)
    assert not places.exclude(commune=F("neighbourhood__commune__name")).exists()
    # accompaniments: one first visit per person, the goal's summaries recounted
    accompanied = Accompaniment.objects.filter(person__in=people)
    assert accompanied.exists()
    assert accompanied.filter(first_visit=True).count() == accompanied.values(
        "person").distinct().count()
    assert {(row.neighbourhood_id, row.pseudonym): row.first_date
            for row in FirstSeen.objects.all()} == recount_first_seen()

    # monthly free entries: 6 % of each chunk's card holders a month, `used` their redemptions
    usages = MonthlyUsage.objects.filter(person__in=people)
    months = usages.values("month").distinct().count()
    assert months in (11, 12)
    holders = [Person.objects.filter(pk__in=c, cards__status=CardStatus.ACTIVE).distinct()
               .count() for c in chunks]
    assert usages.count() == months * sum(round(benefits_scale.OUTINGS * n) for n in holders)
    entries = Redemption.objects.filter(idempotency_key__startswith="scale-", kind="entry")
    assert entries.count() == usages.aggregate(s=Sum("used"))["s"]
    assert not entries.values("usage", "venue").annotate(n=Count("pk")).filter(n__gt=2).exists()
    # pass numérique: five vouchers a booklet, each used one redeemed once, counts kept
    booklets = Booklet.objects.filter(number__contains="-S")
    assert booklets.filter(status=BookletStatus.HANDED_OUT).exists()
    vouchers = Voucher.objects.filter(booklet__in=booklets)
    assert vouchers.count() == 5 * booklets.count()
    used = vouchers.filter(used_at__isnull=False)
    assert used.count() == Redemption.objects.filter(voucher__in=vouchers).count() > 0
    assert booklets.aggregate(s=Sum("vouchers_used"))["s"] == used.count()
    assert not used.filter(booklet__status=BookletStatus.CREATED).exists()
    assert {(r.programme_id, r.venue_id, r.kind, r.day): (r.count, r.cents, r.settled_cents)
            for r in RedemptionDay.objects.all()} == recount_redemption_days()

    # mutual aid: a post for 5 residents, in the author's neighbourhood; answers, a few hidden
    posts = Post.objects.filter(author__in=people)
    assert posts.count() == sum(round(mutualaid_scale.POSTS_PER_RESIDENT * len(c))
                                for c in chunks)
    assert not posts.exclude(neighbourhood=F(
        "author__memberships__household__address__neighbourhood")).exists()
    assert posts.filter(status=Post.Status.CLOSED, closed_at__isnull=False).exists()
    conversations = Conversation.objects.filter(post__in=posts)
    assert conversations.exists() and not conversations.filter(
        recipient=F("starter")).exists()
    assert Message.objects.filter(conversation__in=conversations).count() >= conversations.count()
    hidden = list(posts.filter(status=Post.Status.HIDDEN).values_list("pk", flat=True))
    assert ModerationDecision.objects.filter(kind="post", object_id__in=hidden).count() == len(
        hidden) == ContentReport.objects.filter(kind="post", object_id__in=hidden,
                                                resolved_at__isnull=False).count()
