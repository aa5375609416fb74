"""Reads for the venue desk, the residents, the social workers and the funders."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q, Sum
from django.utils.formats import date_format

from civicard.benefits import codes, rules
from civicard.benefits.exceptions import (
    CodeMistyped,
    CodeMistypedWithHint,
    NoEntriesLeft,
    NotAcceptedHere,
    VenueCapReached,
    VoucherAlreadyUsed,
    VoucherCancelled,
    VoucherExpired,
    VoucherNotHandedOut,
    VoucherUnknown,
)
from civicard.benefits.models import (
    Booklet,
    BookletStatus,
    Grant,
    MonthlyUsage,
    Programme,
    Redemption,
    RedemptionDay,
    RedemptionKind,
    Statement,
    StatementLine,
    Venue,
    Voucher,
)
from civicard.core import audit, opening_hours
from civicard.core.errors import DomainError, PermissionRefused


def identify(credential: str, at: datetime):
    """A voucher (typed or scanned code) or a card (the number printed on it, typed; its chip
    UID; or a phone's rotating QR)."""
    from civicard.cards.queries import card_for_credential, card_for_typed_number

    text = (credential or "").strip()
    if not text:
        raise VoucherUnknown()
    if codes.looks_like_voucher(text) or text.upper().startswith(codes.QR_PREFIX):
        return find_voucher(text)
    return card_for_typed_number(text, at) or card_for_credential(text, at)


@dataclass
class Offer:
    """What a presented code gives at this venue, before the staff confirms."""

    kind: str
    credential: str
    first_name: str = ""
    voucher: Voucher | None = None
    value_cents: int = 0
    currency: str = "EUR"
    services: list[str] = field(default_factory=list)
    entries_left: int = 0
    programme: Programme | None = None
    refusal: DomainError | None = None


def entries_left(person, programme: Programme, at: datetime) -> int:
    used = (MonthlyUsage.objects.filter(person=person, programme=programme,
                                        month=rules.month_of(at))
            .values_list("used", flat=True).first()) or 0
    return max(programme.entries_per_month - used, 0)


def offer(credential: str, venue: Venue, at: datetime) -> Offer:
    """Read-only preview for the desk: raises for an unknown code; a known one that would be
    refused comes back with its `refusal`, so the page can show why."""
    found = identify(credential, at)
    day = rules.local_date(at)
    if isinstance(found, Voucher):
        booklet = found.booklet
        programme = booklet.programme
        result = Offer(kind="voucher", credential=credential, voucher=found,
                       value_cents=found.value_cents, currency=programme.currency,
                       programme=programme,
                       first_name=booklet.person.display_name if booklet.person_id else "")
        try:
            check_voucher_usable(found, booklet, at)
            accreditation = rules.accreditation(programme, venue, day)
            result.services = list(accreditation.services or [])
        except DomainError as error:
            result.refusal = error
        return result
    person = found.person
    result = Offer(kind="entry", credential=credential, first_name=person.display_name)
    programmes = list(monthly_programmes_at(venue, day))
    if not programmes:
        result.refusal = NotAcceptedHere()
        return result
    for programme in programmes:
        try:
            rules.check_eligible(programme, person, day)
            stored = MonthlyUsage.objects.filter(person=person, programme=programme,
                                                 month=rules.month_of(at)).first()
            if stored is not None:
                check_entries_left(programme, stored, venue)
        except DomainError as error:
            result.refusal = error
            result.programme = programme
            continue
        result.programme, result.refusal = programme, None
        result.entries_left = entries_left(person, programme, at)
        return result
    return result


def venue_for(user, venue_id=None) -> Venue:
    venues = Venue.objects.filter(staff_links__user=user).order_by("pk")
    venue = venues.filter(pk=venue_id).first() if venue_id else venues.first()
    if venue is None:
        raise PermissionRefused()
    return venue


def todays_redemptions(venue: Venue, at: datetime):
    start = rules.day_start(at)
    return (Redemption.objects.filter(venue=venue, at__gte=start, at__lte=at)
            .select_related("person", "voucher", "programme").order_by("-at", "-id"))


def redemption_for_venue(user, pk: int) -> Redemption:
    redemption = Redemption.objects.select_related("venue").filter(pk=pk).first()
    if redemption is None or not rules.is_venue_staff(user, redemption.venue):
        raise PermissionRefused()
    return redemption


# Residents


@dataclass
class MonthlyRight:
    programme: Programme
    left: int
    month_end: date
    venues: list


def my_rights(person, at: datetime) -> list[MonthlyRight]:
    day = rules.local_date(at)
    rights = []
    for programme in (Programme.objects.filter(grant=Grant.MONTHLY, starts_on__lte=day)
                      .exclude(ends_on__lt=day).order_by("pk")):
        try:
            rules.check_eligible(programme, person, day)
        except DomainError:
            continue
        venues = list(Venue.objects.filter(accreditations__programme=programme,
                                           accreditations__active_from__lte=day)
                      .exclude(accreditations__active_to__lt=day)
                      .select_related("neighbourhood").distinct().order_by("name"))
        left = entries_left(person, programme, at)
        used_here = used_by_venue(person, programme, at)
        for venue in venues:
            venue.hours_now = opening_hours.summary(venue.opening_hours, at)
            venue.week = opening_hours.week(venue.opening_hours, day)
            venue.left_here = left
            if programme.per_venue_cap is not None:
                venue.left_here = max(0, min(left, programme.per_venue_cap
                                             - used_here.get(venue.pk, 0)))
        rights.append(MonthlyRight(programme=programme, left=left,
                                   month_end=rules.month_end(day.replace(day=1)), venues=venues))
    return rights


def used_by_venue(person, programme: Programme, at: datetime) -> dict[int, int]:
    """{venue id: free entries of this month used there} (undone ones do not count), the count
    the per-venue cap is checked against at the desk."""
    rows = (Redemption.objects.filter(usage__person=person, usage__programme=programme,
                                      usage__month=rules.month_of(at), undone_at__isnull=True)
            .order_by().values("venue").annotate(used=Count("pk")).values_list("venue", "used"))
    return dict(rows)


def my_booklets(person):
    return (Booklet.objects.filter(person=person).select_related("programme")
            .prefetch_related("vouchers").order_by("-handed_out_at"))


# Social workers


def booklets_of_service(user, *, status: str = "", q: str = ""):
    services = user.benefit_links.filter(social_service__isnull=False).values("social_service")
    booklets = (Booklet.objects.filter(social_service__in=services)
                .select_related("programme", "person").annotate(
                    used=Count("vouchers", filter=Q(vouchers__used_at__isnull=False))))
    if status:
        booklets = booklets.filter(status=status)
    if q:
        booklets = booklets.filter(number__icontains=q.strip())
    return booklets.order_by("number")


def booklet_for_social_worker(user, pk: int) -> Booklet:
    booklet = (Booklet.objects.select_related("programme__funder", "social_service", "person")
               .filter(pk=pk).first())
    if booklet is None or not rules.is_social_worker_of(user, booklet.social_service):
        raise PermissionRefused()
    if booklet.person_id:
        audit.record(actor=user, action="benefits.booklet_read", obj=booklet,
                     acting_for=booklet.person)
    return booklet


# Funders and dashboards


def programmes_for_funder(user):
    from civicard.core.permissions import Role, holds_role

    programmes = Programme.objects.select_related("funder").order_by("pk")
    if holds_role(user, Role.ADMINISTRATOR):
        return programmes
    return programmes.filter(funder__staff_links__user=user)


def programme_for_funder(user, pk: int) -> Programme:
    programme = programmes_for_funder(user).filter(pk=pk).first()
    if programme is None:
        raise PermissionRefused()
    return programme


def booklet_funnel(booklets) -> dict:
    """Counted on the booklets' own voucher counts (recount_booklet_vouchers recounts them)."""
    handed = ~Q(status=BookletStatus.CREATED)
    started = handed & Q(vouchers_used__gt=0)
    return booklets.aggregate(
        created=Count("pk"), handed_out=Count("pk", filter=handed),
        started=Count("pk", filter=started),
        fully_used=Count("pk", filter=started & Q(vouchers_used__gte=F("voucher_count"))),
        cancelled=Count("pk", filter=Q(status=BookletStatus.CANCELLED)))


def recount_booklet_vouchers() -> dict:
    """{booklet id: (vouchers, used vouchers)} counted from the vouchers: what the booklets'
    voucher_count and vouchers_used must hold."""
    rows = (Voucher.objects.order_by().values_list("booklet_id")
            .annotate(n=Count("pk"), used=Count("pk", filter=Q(used_at__isnull=False))))
    found = {booklet: (n, used) for booklet, n, used in rows}
    return {pk: found.get(pk, (0, 0)) for pk in Booklet.objects.values_list("pk", flat=True)}


def priority_share(booklets) -> tuple[int, int]:
    handed = booklets.exclude(status=BookletStatus.CREATED)
    return (handed.filter(neighbourhood__is_priority=True).count(), handed.count())


def redeemed_by_venue_and_month(programme: Programme):
    """[(venue, month, count, cents, reimbursed cents)] of live redemptions, read from the
    RedemptionDay summary (recount_redemption_days counts the same from the redemptions)."""
    from django.db.models.functions import TruncMonth

    rows = (RedemptionDay.objects.filter(programme=programme)
            .annotate(month=TruncMonth("day")).values("venue__name", "month")
            .annotate(n=Sum("count"), total=Sum("cents"), settled=Sum("settled_cents"))
            .filter(n__gt=0).order_by("month", "venue__name"))
    return [{"venue": r["venue__name"], "month": r["month"], "count": r["n"],
             "cents": r["total"] or 0, "settled": r["settled"] or 0} for r in rows]


def entries_by_venue(programme: Programme, month: date):
    return list(RedemptionDay.objects.filter(programme=programme, kind=RedemptionKind.ENTRY,
                                             day__gte=month, day__lt=rules.next_month(month))
                .values("venue__name").annotate(count=Sum("count")).filter(count__gt=0)
                .order_by("-count", "venue__name"))


def recount_redemption_days() -> dict:
    """{(programme id, venue id, kind, local day): (count, cents, settled cents)} of live
    redemptions, counted from every redemption: what RedemptionDay must hold."""
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    rows = (Redemption.objects.filter(undone_at__isnull=True).order_by()
            .annotate(day=TruncDate("at", tzinfo=timezone.get_current_timezone()))
            .values_list("programme_id", "venue_id", "kind", "day")
            .annotate(n=Count("pk"), total=Sum("amount_cents")))
    settled = (StatementLine.objects.filter(redemption__isnull=False,
                                            redemption__undone_at__isnull=True).order_by()
               .annotate(day=TruncDate("redemption__at",
                                       tzinfo=timezone.get_current_timezone()))
               .values_list("redemption__programme_id", "redemption__venue_id",
                            "redemption__kind", "day")
               .annotate(total=Sum("amount_cents")))
    result = {(p, v, k, d): (n, total or 0, 0) for p, v, k, d, n, total in rows}
    for p, v, k, d, total in settled:
        key = (p, v, k, d)
        n, cents, _zero = result.get(key, (0, 0, 0))
        result[key] = (n, cents, total or 0)
    return result


def statements_of(programme: Programme, month: date | None = None):
    statements = Statement.objects.filter(programme=programme).select_related("venue")
    if month:
        statements = statements.filter(month=month)
    return statements.order_by("-month", "venue__name")


def statement_for(user, pk: int) -> Statement:
    statement = (Statement.objects.select_related("programme__funder", "venue")
                 .filter(pk=pk).first())
    if statement is None or not (rules.is_funder_staff(user, statement.programme.funder)
                                 or rules.is_venue_staff(user, statement.venue)):
        raise PermissionRefused()
    return statement


def booklet_for_printing(user, pk: int) -> Booklet:
    booklet = (Booklet.objects.select_related("programme__funder", "social_service")
               .filter(pk=pk).first())
    if booklet is None or not (rules.is_social_worker_of(user, booklet.social_service)
                               or rules.is_funder_staff(user, booklet.programme.funder)):
        raise PermissionRefused()
    return booklet


def accepting_venues(programme: Programme, day: date) -> list[Venue]:
    return list(Venue.objects.filter(accreditations__programme=programme,
                                     accreditations__active_from__lte=day)
                .exclude(accreditations__active_to__lt=day).distinct().order_by("name"))


def dashboard(user, programmes: list[Programme], *, at: datetime, social: bool) -> dict:
    """Figures for the funder's (or, for a social worker, their service's) dashboard."""
    month = rules.month_of(at)
    previous = (month - timedelta(days=1)).replace(day=1)
    sections = []
    if social:
        services = user.benefit_links.filter(social_service__isnull=False).values(
            "social_service")
        programmes = list(Programme.objects.filter(booklets__social_service__in=services)
                          .distinct().order_by("pk"))
    for programme in programmes:
        section = {"programme": programme}
        if programme.grant == Grant.BOOKLETS:
            booklets = Booklet.objects.filter(programme=programme)
            if social:
                booklets = booklets.filter(social_service__in=services)
            section["funnel"] = booklet_funnel(booklets)
            if not social:
                section["batches"] = list(programme.batches.select_related("social_service")
                                          .order_by("-created_at")[:10])
            section["priority"] = priority_share(booklets)
            if not social:
                section["money"] = redeemed_by_venue_and_month(programme)
                section["statements"] = list(statements_of(programme)[:40])
                section["previous_month"] = previous
                section["previous_issued"] = Statement.objects.filter(
                    programme=programme, month=previous).exists()
        else:
            section["entries"] = entries_by_venue(programme, month)
            section["month"] = month
        sections.append(section)
    return {"sections": sections, "social": social}


def batch_for_funder(user, pk: int):
    from civicard.benefits.models import BookletBatch

    batch = BookletBatch.objects.select_related("programme__funder").filter(pk=pk).first()
    if batch is None or not rules.is_funder_staff(user, batch.programme.funder):
        raise PermissionRefused()
    return batch


# Checks shared with the operations


def find_voucher(text: str) -> Voucher:
    """The voucher behind a typed or scanned code. A typo caught by the check character gives
    a "did you mean" hint only when exactly one existing voucher is one typo away."""
    code = codes.normalise(text)
    if not codes.looks_like_voucher(code):
        raise VoucherUnknown()
    if not codes.is_valid(code):
        candidates = list(Voucher.objects.filter(code__in=codes.corrections(code))
                          .values_list("code", flat=True)[:2])
        if len(candidates) == 1:
            raise CodeMistypedWithHint(suggestion=codes.display(candidates[0]))
        raise CodeMistyped()
    voucher = Voucher.objects.select_related("booklet__programme").filter(code=code).first()
    if voucher is None:
        raise VoucherUnknown()
    return voucher


def check_voucher_usable(voucher: Voucher, booklet: Booklet, at: datetime) -> None:
    if booklet.status == BookletStatus.CANCELLED:
        raise VoucherCancelled(when=rules.when(booklet.cancelled_at))
    if booklet.status != BookletStatus.HANDED_OUT:
        raise VoucherNotHandedOut()
    if voucher.used_at is not None:
        used = voucher.redemptions.filter(undone_at__isnull=True).select_related("venue").first()
        raise VoucherAlreadyUsed(when=rules.when(voucher.used_at),
                                 venue=used.venue.name if used else "?")
    if booklet.valid_until < rules.local_date(at):
        raise VoucherExpired(when=date_format(booklet.valid_until, "SHORT_DATE_FORMAT"))


def monthly_programmes_at(venue: Venue, day: date):
    return (Programme.objects.filter(grant=Grant.MONTHLY, accreditations__venue=venue,
                                     accreditations__active_from__lte=day, starts_on__lte=day)
            .exclude(accreditations__active_to__lt=day).exclude(ends_on__lt=day)
            .distinct().order_by("pk"))


def check_entries_left(programme: Programme, usage: MonthlyUsage, venue: Venue) -> None:
    if usage.used >= programme.entries_per_month:
        raise NoEntriesLeft()
    if programme.per_venue_cap is not None:
        here = usage.redemptions.filter(venue=venue, undone_at__isnull=True).count()
        if here >= programme.per_venue_cap:
            raise VenueCapReached(cap=programme.per_venue_cap)
