"""Reads: prices in force, rights, balances, statements, reports and the ledger check."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from civicard.core.permissions import Role, check_role
from civicard.people.models import Household, Person
from civicard.wallets.exceptions import NoTariff
from civicard.wallets.models import Account, Enrolment, EntryKind, LedgerEntry, Service, Tariff


@dataclass(frozen=True)
class Home:
    """A household as prices and rights see it."""

    id: int
    territory_id: int
    address_id: int | None
    income_bracket_id: int | None
    commune_id: int | None

    @classmethod
    def of(cls, household: Household) -> "Home":
        return cls(id=household.pk, territory_id=household.territory_id,
                   address_id=household.address_id,
                   income_bracket_id=household.income_bracket_id,
                   commune_id=household.commune_id)


def homes_of(person: Person) -> list[Home]:
    return [Home.of(h) for h in person.households.select_related("address__neighbourhood")
            .order_by("pk")]


def is_resident(household: Household | Home, service: Service) -> bool:
    """Resident of the service's commune, or of the territory for a territory-wide service."""
    if not household.address_id:
        return False
    if service.commune_id is None:
        return household.territory_id == service.territory_id
    return household.commune_id == service.commune_id


def tariffs_in_force(*, service: Service, on: date, uses) -> QuerySet[Tariff]:
    """The service's tariffs of `uses` dated on or before `on`, among which tariff_for
    chooses (an older one of the same bracket and residency never wins over a newer one)."""
    return Tariff.objects.filter(service=service, use__in=uses, valid_from__lte=on).order_by("pk")


def tariff_for(*, service: Service, household: Household | Home, on: date,
               use: str = "use", candidates: list[Tariff] | None = None) -> Tariff:
    """The tariff in force on `on`: the latest dated one matching the household's bracket and
    residency, the most specific winning among those of the same date. A caller that has
    already read the service's tariffs in force on `on` (tariffs_in_force) passes them."""
    if candidates is None:
        candidates = tariffs_in_force(service=service, on=on, uses=[use])
    resident = is_resident(household, service)
    bracket = household.income_bracket_id
    best = max((tariff for tariff in candidates
                if tariff.use == use and tariff.income_bracket_id in (None, bracket)
                and tariff.resident in (None, resident)),
               key=lambda tariff: (tariff.valid_from, tariff.income_bracket_id is not None,
                                   tariff.resident is not None, tariff.pk), default=None)
    if best is None:
        raise NoTariff()
    return best


def price_for(*, service: Service, household: Household, on: date, use: str = "use") -> int:
    return tariff_for(service=service, household=household, on=on, use=use).amount_cents


def _age(person: Person, on: date) -> int | None:
    if person.birth_date is None:
        return None
    born = person.birth_date
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def live_enrolments(*, service: Service, on: date) -> QuerySet[Enrolment]:
    """The enrolments in `service` within their dates on `on` (ages and residence aside)."""
    return (Enrolment.objects.filter(service=service, starts_on__lte=on)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on)))


def enrolment_for(*, service: Service, person: Person, on: date,
                  homes: list[Home] | None = None,
                  candidates: list[Enrolment] | None = None) -> Enrolment | None:
    """The enrolment giving `person` a right to `service` on `on`, if any: their own, or one of
    a household of theirs, within its dates, ages and commune of residence. A caller that has
    already read the person's households (`homes`) and the live enrolments of the person and
    of those households (`candidates`, by id) passes them."""
    if homes is None:
        homes = homes_of(person)
    communes = {home.id: home.commune_id for home in homes}
    if candidates is None:
        candidates = (live_enrolments(service=service, on=on)
                      .filter(Q(person=person) | Q(household_id__in=list(communes)))
                      .order_by("pk"))
    age = _age(person, on)
    for enrolment in candidates:
        if enrolment.min_age is not None and (age is None or age < enrolment.min_age):
            continue
        if enrolment.max_age is not None and (age is None or age > enrolment.max_age):
            continue
        if enrolment.resident_of_id is not None:
            home_communes = ([communes[enrolment.household_id]] if enrolment.household_id
                             else communes.values())
            if enrolment.resident_of_id not in home_communes:
                continue
        return enrolment
    return None


def accounts_of(person: Person | None):
    """The accounts of every household the person belongs to."""
    if person is None:
        return Account.objects.none()
    return (Account.objects.filter(household__memberships__person=person)
            .select_related("service", "household").order_by("household_id", "service__name"))


def account_for_member(person: Person | None, pk: int) -> Account:
    return get_object_or_404(accounts_of(person), pk=pk)


def account_for_agent(agent, pk: int) -> Account:
    account = get_object_or_404(Account.objects.select_related(
        "service", "household__address__neighbourhood"), pk=pk)
    check_role(agent, Role.COUNTER_AGENT, Role.SERVICE_MANAGER,
               commune_id=account.household.commune_id)
    return account


def last_entries(account: Account, limit: int = 5):
    return list(account.entries.order_by("-at", "-id")[:limit])


def month_bounds(year: int, month: int, tz) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime(year, month, 1), tz)
    following = date(year + month // 12, month % 12 + 1, 1)
    return start, timezone.make_aware(datetime.combine(following, time()), tz)


@dataclass
class Statement:
    account: Account
    year: int
    month: int
    opening_cents: int
    closing_cents: int
    entries: list


def statement(account: Account, year: int, month: int) -> Statement:
    start, end = month_bounds(year, month, timezone.get_current_timezone())
    before = account.entries.filter(at__lt=start).aggregate(s=Sum("amount_cents"))["s"] or 0
    entries = list(account.entries.filter(at__gte=start, at__lt=end).order_by("at", "id")
                   .select_related("actor"))
    closing = before + sum(e.amount_cents for e in entries)
    return Statement(account, year, month, before, closing, entries)


def cash_report(*, agent, day: date):
    """What one agent took in at the counter on `day`, by means of payment."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time()), tz)
    rows = (LedgerEntry.objects.filter(actor=agent, kind=EntryKind.TOP_UP, at__gte=start,
                                       at__lt=start + timedelta(days=1))
            .exclude(means="online").values("means")
            .annotate(total=Sum("amount_cents"), count=Count("id")).order_by("means"))
    return list(rows)


def balances_report(service: Service):
    """Every account of a service; the negative ones first."""
    accounts = (Account.objects.filter(service=service).select_related("household")
                .order_by("balance_cents", "pk"))
    totals = accounts.aggregate(total=Sum("balance_cents"), count=Count("id"),
                                negative=Count("id", filter=Q(balance_cents__lt=0)),
                                owed=Sum("balance_cents", filter=Q(balance_cents__lt=0)))
    return accounts, totals


@dataclass
class LedgerDifference:
    account_id: int
    stored_cents: int
    computed_cents: int
    reason: str


def check_ledger() -> list[LedgerDifference]:
    """Recompute every balance from its entries, and every entry's running balance."""
    differences = []
    sums = dict(LedgerEntry.objects.values_list("account_id").annotate(s=Sum("amount_cents"))
                .values_list("account_id", "s"))
    for account_id, stored in Account.objects.values_list("pk", "balance_cents"):
        computed = sums.get(account_id) or 0
        if computed != stored:
            differences.append(LedgerDifference(account_id, stored, computed, "balance"))
    running: dict[int, int] = {}
    for account_id, amount, after in (LedgerEntry.objects.order_by("account_id", "id")
                                      .values_list("account_id", "amount_cents",
                                                   "balance_after_cents").iterator(5000)):
        running[account_id] = running.get(account_id, 0) + amount
        if running[account_id] != after:
            differences.append(LedgerDifference(account_id, after, running[account_id],
                                                "running balance"))
            running[account_id] = after
    return differences
