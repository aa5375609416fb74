"""Pure rules and small reads shared by operations and queries (no writes here)."""

from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format

from civicard.benefits.exceptions import NotAcceptedHere, NotEligible
from civicard.benefits.models import Accreditation, Eligibility, Programme, ProgrammeMember
from civicard.core.permissions import Role, holds_role
from civicard.people.models import Membership

UNDO_WINDOW = timedelta(minutes=10)


def local_date(at: datetime) -> date:
    return timezone.localtime(at).date()


def month_of(at: datetime) -> date:
    return local_date(at).replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_end(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def day_start(at: datetime) -> datetime:
    local = timezone.localtime(at)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) in the install's time zone."""
    tz = timezone.get_current_timezone()
    start = datetime(month.year, month.month, 1, tzinfo=tz)
    end_day = next_month(month)
    return start, datetime(end_day.year, end_day.month, 1, tzinfo=tz)


def when(at: datetime) -> str:
    return date_format(timezone.localtime(at), "DATETIME_FORMAT")


def accreditation(programme: Programme, venue, day: date) -> Accreditation:
    found = (Accreditation.objects.filter(programme=programme, venue=venue, active_from__lte=day)
             .exclude(active_to__lt=day).first())
    if found is None:
        raise NotAcceptedHere()
    return found


def neighbourhood_of(person) -> int | None:
    membership = (Membership.objects.filter(person=person, household__address__isnull=False)
                  .select_related("household__address").order_by("-is_guardian", "pk").first())
    return membership.household.address.neighbourhood_id if membership else None


def check_eligible(programme: Programme, person, day: date) -> None:
    if programme.starts_on > day or (programme.ends_on and programme.ends_on < day):
        raise NotEligible()
    if programme.eligibility == Eligibility.NEIGHBOURHOODS:
        if not programme.neighbourhoods.filter(pk=neighbourhood_of(person)).exists():
            raise NotEligible()
    elif programme.eligibility == Eligibility.CHOSEN:
        if not ProgrammeMember.objects.filter(programme=programme, person=person).exists():
            raise NotEligible()


def is_venue_staff(user, venue) -> bool:
    if holds_role(user, Role.ADMINISTRATOR):
        return True
    return holds_role(user, Role.VENUE_STAFF) and user.benefit_links.filter(venue=venue).exists()


def is_social_worker_of(user, social_service) -> bool:
    if holds_role(user, Role.ADMINISTRATOR):
        return True
    return (holds_role(user, Role.SOCIAL_WORKER)
            and user.benefit_links.filter(social_service=social_service).exists())


def is_funder_staff(user, funder) -> bool:
    if holds_role(user, Role.ADMINISTRATOR):
        return True
    return (holds_role(user, Role.SERVICE_MANAGER)
            and user.benefit_links.filter(funder=funder).exists())
