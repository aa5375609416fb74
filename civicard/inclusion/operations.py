"""Every write about digital inclusion: imports, proposals, office hours, appointments, the
accompaniment log and the goal."""

import hashlib
import hmac
import itertools
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicard.core import audit
from civicard.core.errors import InvalidInput, NotFound
from civicard.core.permissions import Role, check_role, holds_role
from civicard.core.tallies import bump
from civicard.inclusion import schedule, standard
from civicard.inclusion.exceptions import (
    AppointmentNotCancellable,
    NoSessionThatDay,
    NotYourOfficeHours,
    ProposalAlreadyDecided,
    ProposalInvalid,
    ReasonRequired,
    SlotInThePast,
    SlotNotAvailable,
)
from civicard.inclusion.models import (
    Accompaniment,
    Appointment,
    FirstSeen,
    Mediator,
    OfficeHours,
    OfficeHoursChange,
    PersonSeen,
    Place,
    PlaceProposal,
    PlaceVersion,
)
from civicard.people.models import Person, User
from civicard.territory.models import Neighbourhood, Territory
from civicard.territory.queries import Name

VALIDATOR_ROLES = (Role.MEDIATOR, Role.ADMINISTRATOR)
EXTRA_FIELDS = ["accepts_pass_numerique", "accessibility_notes"]

# --- the standard row of a place ------------------------------------------------------------


def place_row(place: Place) -> dict:
    """The place as a row of the national standard (typed values)."""
    row = {name: getattr(place, name) for name in standard.field_names() if name != "id"}
    row["id"] = place.standard_id
    return row


def _model_values(values: dict) -> dict:
    """Typed standard values → model field values."""
    result = {}
    for name in standard.field_names():
        value = values.get(name)
        if name in ("latitude", "longitude"):
            result[name] = float(value) if value is not None and value != "" else None
        elif name == "date_maj":
            result[name] = value
        elif name == "id":
            result["standard_id"] = str(value or "").strip()
        else:
            result[name] = "" if value is None else str(value)
    return result


def _commune_neighbourhoods(territory: Territory, *, code_insee: str, commune: str):
    hoods = Neighbourhood.objects.filter(commune__territory=territory)
    if code_insee:
        return hoods.filter(commune__official_code=code_insee)
    if commune:
        return hoods.filter(commune__name__iexact=commune)
    return hoods


def nearest_neighbourhood(territory: Territory, *, code_insee: str, commune: str,
                          latitude, longitude) -> Neighbourhood | None:
    return _closest(list(_commune_neighbourhoods(territory, code_insee=code_insee,
                                                 commune=commune)), latitude, longitude)


def _closest(hoods: list, latitude, longitude) -> Neighbourhood | None:
    if not hoods:
        return None
    if latitude is None or longitude is None:
        return hoods[0] if len(hoods) == 1 else None
    return min(hoods, key=lambda h: (float(h.centre_latitude) - latitude) ** 2
               + (float(h.centre_longitude) - longitude) ** 2)


def _snapshot(place: Place) -> dict:
    data = {name: standard.format_value(value) for name, value in place_row(place).items()}
    data["neighbourhood_id"] = place.neighbourhood_id
    for name in EXTRA_FIELDS:
        data[name] = getattr(place, name)
    return data


def _version(place: Place, *, source: str, actor, at: datetime, note: str = "") -> None:
    PlaceVersion.objects.create(place=place, data=_snapshot(place), source=source,
                                actor=actor if getattr(actor, "is_authenticated", False)
                                else None, at=at, note=note[:250])


# --- import ---------------------------------------------------------------------------------


@dataclass
class ImportReport:
    rows_seen: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list = field(default_factory=list)  # standard.RowProblem
    file_problem: str = ""
    dry_run: bool = False

    @property
    def invalid_lines(self) -> set[int]:
        return {problem.line for problem in self.problems if problem.line is not None}

    @property
    def ok(self) -> bool:
        return not self.file_problem and not self.problems


IMPORT_BATCH = 1000  # rows looked up and written together: far below PostgreSQL's 65,535
# parameters per statement, and all an import holds in memory besides the ids it reports


def _batches(rows: Iterator, size: int) -> Iterator[list]:
    rows = iter(rows)
    while batch := list(itertools.islice(rows, size)):
        yield batch


class _Neighbourhoods:
    """nearest_neighbourhood() for a whole import: each commune's neighbourhoods read once."""

    def __init__(self, territory: Territory):
        self.territory, self.by_commune = territory, {}

    def nearest(self, *, code_insee: str, commune: str, latitude, longitude):
        key = (code_insee, commune.lower() if not code_insee else "")
        if key not in self.by_commune:
            self.by_commune[key] = list(_commune_neighbourhoods(
                self.territory, code_insee=code_insee, commune=commune))
        return _closest(self.by_commune[key], latitude, longitude)


def _import_batch(rows: list, *, neighbourhoods: _Neighbourhoods, report: ImportReport,
                  actor, at: datetime, dry_run: bool) -> None:
    territory = neighbourhoods.territory
    existing = {p.standard_id: p for p in Place.objects.filter(
        territory=territory, standard_id__in=[str(v.get("id")) for _, v in rows])}
    new, changed_places = {}, []
    for _line, values in rows:
        fields = _model_values(values)
        place = existing.get(fields["standard_id"]) or new.get(fields["standard_id"])
        if place is None:
            report.created.append(fields["standard_id"])
            place = Place(territory=territory, updated_at=at, **fields)
            place.neighbourhood = neighbourhoods.nearest(
                code_insee=place.code_insee, commune=place.commune,
                latitude=place.latitude, longitude=place.longitude)
            new[place.standard_id] = place
            continue
        changed = [name for name, value in fields.items() if getattr(place, name) != value]
        if not changed:
            report.unchanged.append(place.standard_id)
            continue
        report.updated.append(place.standard_id)
        for name in changed:
            setattr(place, name, fields[name])
        place.updated_at = at
        if {"latitude", "longitude", "code_insee", "commune"} & set(changed):
            place.neighbourhood = neighbourhoods.nearest(
                code_insee=place.code_insee, commune=place.commune,
                latitude=place.latitude, longitude=place.longitude) or place.neighbourhood
        changed_places.append(place)
    if dry_run:
        return
    Place.objects.bulk_create(new.values())
    for place in changed_places:
        place.save()
    user = actor if getattr(actor, "is_authenticated", False) else None
    PlaceVersion.objects.bulk_create(
        [PlaceVersion(place=place, data=_snapshot(place), source="import", actor=user, at=at)
         for place in [*new.values(), *changed_places]])


def import_places(*, source: bytes | Path, territory: Territory, actor, at: datetime,
                  dry_run: bool = False) -> ImportReport:
    """Validate a CSV in the national standard (bytes, or a path read as it goes, in constant
    memory) and insert or update its valid rows by `id`, a batch at a time, in one
    transaction. Invalid rows are reported and skipped; a dry run, or a file that turns out
    unreadable part-way, changes nothing."""
    if actor is not None:
        check_role(actor, *VALIDATOR_ROLES)
    read = standard.ReadResult()
    report = ImportReport(problems=read.problems, dry_run=dry_run)
    neighbourhoods = _Neighbourhoods(territory)
    with transaction.atomic():
        for batch in _batches(standard.valid_rows(source, read), IMPORT_BATCH):
            _import_batch(batch, neighbourhoods=neighbourhoods, report=report, actor=actor,
                          at=at, dry_run=dry_run)
        report.rows_seen, report.file_problem = read.rows_seen, read.file_problem
        if report.file_problem:
            transaction.set_rollback(True)
        elif not dry_run and (report.created or report.updated):
            audit.record(actor=actor, action="inclusion.places_imported", at=at,
                         extra={"created": len(report.created), "updated": len(report.updated),
                                "invalid_lines": sorted(read.invalid_lines)})
    return report


# --- proposals ------------------------------------------------------------------------------


def _validate_proposal(data: dict, *, place: Place | None) -> dict:
    """Check the proposed values with the same validator as imports: a one-row CSV."""
    base = {name: standard.format_value(v) for name, v in place_row(place).items()} \
        if place else {}
    row = {**base, **{k: v for k, v in data.items() if k in standard.field_names()}}
    if place is not None:
        row["id"] = place.standard_id
    read = standard.read(standard.to_csv([row]).encode("utf-8"))
    if read.file_problem or read.problems:
        fields = {}
        for problem in read.problems:
            fields.setdefault(problem.field or "__all__", []).append(problem.message)
        raise ProposalInvalid(fields=fields)
    return read.rows[0][1]


@transaction.atomic
def propose_place(*, territory: Territory, data: dict, place: Place | None, proposer: Person,
                  at: datetime) -> PlaceProposal:
    """Anyone proposes a new place (`place` None) or a correction."""
    if place is None:
        data = {**data, "id": data.get("id") or f"prop-{int(at.timestamp())}-{proposer.pk}",
                "date_maj": timezone.localdate(at).isoformat()}
    else:
        data = {**data, "date_maj": timezone.localdate(at).isoformat()}
    _validate_proposal({k: v for k, v in data.items() if k not in EXTRA_FIELDS}, place=place)
    return PlaceProposal.objects.create(territory=territory, place=place, data=data,
                                        proposer=proposer, created_at=at)


def _notify_proposer(proposal: PlaceProposal, at: datetime) -> None:
    from civicard.notifications.operations import notify

    if proposal.proposer is None:
        return
    name = proposal.data.get("nom") or (proposal.place.nom if proposal.place else "")
    if proposal.status == PlaceProposal.Status.ACCEPTED:
        notify(to=proposal.proposer.addressee, kind="inclusion.proposal", at=at,
               subject=_("Your proposal was accepted"),
               body=_("Thank you: your proposal about “%(name)s” is now on the map."),
               params={"name": name})
    else:
        notify(to=proposal.proposer.addressee, kind="inclusion.proposal", at=at,
               subject=_("Your proposal was not accepted"),
               body=_("Your proposal about “%(name)s” was not accepted. Reason: %(reason)s"),
               params={"name": name, "reason": proposal.reason})


@transaction.atomic
def decide_proposal(*, proposal_id: int, accept: bool, reason: str, actor: User,
                    at: datetime) -> PlaceProposal:
    check_role(actor, *VALIDATOR_ROLES)
    proposal = PlaceProposal.objects.select_for_update().filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound()
    if proposal.status != PlaceProposal.Status.PENDING:
        raise ProposalAlreadyDecided()
    reason = " ".join((reason or "").split())
    if not accept and not reason:
        raise ReasonRequired(fields={"reason": [ReasonRequired.message]})
    if accept:
        place = proposal.place
        standard_data = {k: v for k, v in proposal.data.items() if k not in EXTRA_FIELDS}
        values = _validate_proposal(standard_data, place=place)
        fields = _model_values(values)
        if place is None:
            place = Place(territory=proposal.territory, updated_at=at, **fields)
            if Place.objects.filter(territory=proposal.territory,
                                    standard_id=place.standard_id).exists():
                raise ProposalInvalid(fields={"id": [_("This identifier is already used.")]})
        else:
            for name, value in fields.items():
                setattr(place, name, value)
            place.updated_at = at
        for name in EXTRA_FIELDS:
            if name in proposal.data:
                setattr(place, name, proposal.data[name])
        if place.neighbourhood_id is None:
            place.neighbourhood = nearest_neighbourhood(
                proposal.territory, code_insee=place.code_insee, commune=place.commune,
                latitude=place.latitude, longitude=place.longitude)
        place.save()
        _version(place, source="proposal", actor=actor, at=at, note=reason)
        proposal.place = place
    proposal.status = (PlaceProposal.Status.ACCEPTED if accept
                       else PlaceProposal.Status.REJECTED)
    proposal.reason = reason
    proposal.decided_by = actor
    proposal.decided_at = at
    proposal.save(update_fields=["place", "status", "reason", "decided_by", "decided_at"])
    audit.record(actor=actor, action="inclusion.proposal_decided", obj=proposal, at=at,
                 extra={"accepted": accept})
    _notify_proposer(proposal, at)
    return proposal


# --- office hours ---------------------------------------------------------------------------


def _own_office_hours(office_hours: OfficeHours, actor: User) -> None:
    if holds_role(actor, Role.ADMINISTRATOR):
        return
    check_role(actor, Role.MEDIATOR)
    if office_hours.mediator.user_id != actor.pk:
        raise NotYourOfficeHours()


@transaction.atomic
def set_office_hours(*, mediator: Mediator, place: Place, weekday: int, weeks_of_month: str,
                     start_time: time, end_time: time, valid_from: date,
                     valid_until: date | None = None, slot_minutes: int = 30,
                     office_hours: OfficeHours | None = None, actor: User,
                     at: datetime) -> OfficeHours:
    """Create (or change) recurring office hours; a mediator only their own."""
    target = office_hours or OfficeHours(mediator=mediator)
    _own_office_hours(target, actor)
    problems = {}
    try:
        parsed = schedule.weeks(weeks_of_month)
    except ValueError:
        parsed = {0}
    if not parsed <= {1, 2, 3, 4, 5, -1}:
        problems["weeks_of_month"] = [_("Write week numbers 1 to 5 or -1, separated by commas.")]
    if end_time <= start_time:
        problems["end_time"] = [_("The end must be after the start.")]
    if valid_until and valid_until < valid_from:
        problems["valid_until"] = [_("The last day must be after the first day.")]
    if not 5 <= slot_minutes <= 240:
        problems["slot_minutes"] = [_("Choose between 5 and 240 minutes.")]
    if problems:
        raise InvalidInput(fields=problems)
    target.place = place
    target.weekday = weekday
    target.weeks_of_month = ",".join(str(n) for n in sorted(parsed))
    target.start_time, target.end_time = start_time, end_time
    target.valid_from, target.valid_until = valid_from, valid_until
    target.slot_minutes = slot_minutes
    target.save()
    audit.record(actor=actor, action="inclusion.office_hours_set", obj=target, at=at)
    return target


@transaction.atomic
def change_session(*, office_hours: OfficeHours, day: date, kind: str, note: str = "",
                   actor: User, at: datetime) -> OfficeHoursChange:
    """Cancel one session, or add an extra one; booked appointments on a cancelled day are
    cancelled and their people told."""
    _own_office_hours(office_hours, actor)
    if kind == OfficeHoursChange.Kind.CANCELLED:
        regular = schedule.sessions(office_hours, day, day, changes=[])
        if not regular:
            raise NoSessionThatDay(fields={"date": [NoSessionThatDay.message]})
    change, _created = OfficeHoursChange.objects.update_or_create(
        office_hours=office_hours, date=day, defaults={"kind": kind, "note": note[:200]})
    if kind == OfficeHoursChange.Kind.CANCELLED:
        for appointment in Appointment.objects.select_for_update().filter(
                office_hours=office_hours, status=Appointment.Status.BOOKED,
                starts_at__date__gte=day - timedelta(days=1),
                starts_at__date__lte=day + timedelta(days=1)).order_by("pk"):
            if appointment.starts_at.astimezone(
                    schedule.ZoneInfo(settings.TIME_ZONE)).date() != day:
                continue
            appointment.status = Appointment.Status.CANCELLED
            appointment.cancelled_at = at
            appointment.save(update_fields=["status", "cancelled_at"])
            _notify_appointment(appointment, "cancelled_by_mediator", at)
    return change


# --- appointments ---------------------------------------------------------------------------


def _local(moment: datetime) -> datetime:
    return moment.astimezone(schedule.ZoneInfo(settings.TIME_ZONE))


def _notify_appointment(appointment: Appointment, what: str, at: datetime) -> None:
    from civicard.notifications.operations import notify

    place = appointment.office_hours.place
    local = _local(appointment.starts_at)
    params = {"date": local.date(), "time": local.time(),
              "place": Name(place.nom), "address": f"{place.adresse}, {place.code_postal} "
                                             f"{place.commune}",
              "mediator": appointment.office_hours.mediator.display_name}
    texts = {
        "booked": (_("Your appointment is booked"),
                   _("Your appointment with %(mediator)s is booked on %(date)s at %(time)s, "
                     "at %(place)s, %(address)s.")),
        "reminder": (_("Reminder: your appointment tomorrow"),
                     _("Reminder: tomorrow %(date)s at %(time)s you have an appointment with "
                       "%(mediator)s at %(place)s, %(address)s.")),
        "cancelled": (_("Your appointment is cancelled"),
                      _("Your appointment on %(date)s at %(time)s at %(place)s is cancelled.")),
        "cancelled_by_mediator": (
            _("Your appointment is cancelled"),
            _("Sorry: the session on %(date)s at %(place)s is cancelled, so your appointment "
              "at %(time)s is cancelled. You can book another time.")),
    }
    subject, body = texts[what]
    notify(to=appointment.person.addressee, kind=f"inclusion.appointment_{what}", subject=subject,
           body=body, params=params, at=at, url=reverse("inclusion:my_appointments"))


@transaction.atomic
def book_appointment(*, office_hours: OfficeHours, starts_at: datetime, person: Person,
                     topic: str = "", actor: User, at: datetime) -> Appointment:
    """Book one slot of a session for `person` (themself, or helped by an agent)."""
    if starts_at <= at:
        raise SlotInThePast()
    local = _local(starts_at)
    day_sessions = schedule.sessions(office_hours, local.date(), local.date())
    slot = next(((start, end) for session in day_sessions
                 for start, end in schedule.slots(session, office_hours.slot_minutes)
                 if start == local), None)
    if slot is None:
        raise SlotNotAvailable()
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                office_hours=office_hours, starts_at=slot[0], ends_at=slot[1], person=person,
                booked_by=actor, topic=topic[:80], created_at=at)
    except IntegrityError:
        raise SlotNotAvailable() from None
    if actor is not None and getattr(actor, "person", None) != person:
        audit.record(actor=actor, action="inclusion.appointment_booked_for", obj=appointment,
                     acting_for=person, at=at)
    _notify_appointment(appointment, "booked", at)
    return appointment


@transaction.atomic
def cancel_appointment(*, appointment_id: int, person: Person | None, actor: User,
                       at: datetime) -> Appointment:
    """The person (or the mediator holding the session) cancels an appointment."""
    appointment = (Appointment.objects.select_for_update()
                   .select_related("office_hours__mediator").filter(pk=appointment_id).first())
    if appointment is None:
        raise NotFound()
    is_owner = person is not None and appointment.person_id == person.pk
    is_mediator = appointment.office_hours.mediator.user_id == getattr(actor, "pk", None)
    if not (is_owner or is_mediator or holds_role(actor, Role.ADMINISTRATOR)):
        raise NotFound()
    if appointment.status != Appointment.Status.BOOKED or appointment.starts_at <= at:
        raise AppointmentNotCancellable()
    appointment.status = Appointment.Status.CANCELLED
    appointment.cancelled_at = at
    appointment.save(update_fields=["status", "cancelled_at"])
    _notify_appointment(appointment, "cancelled", at)
    return appointment


def send_reminders(*, at: datetime) -> int:
    """Remind everyone whose appointment is tomorrow (local date); each reminder is sent once."""
    tomorrow = _local(at).date() + timedelta(days=1)
    zone = schedule.ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(tomorrow, time.min, tzinfo=zone)
    end = start + timedelta(days=1)
    sent = 0
    for pk in Appointment.objects.filter(
            status=Appointment.Status.BOOKED, reminder_sent_at__isnull=True,
            starts_at__gte=start, starts_at__lt=end).values_list("pk", flat=True):
        with transaction.atomic():
            claimed = Appointment.objects.filter(pk=pk, reminder_sent_at__isnull=True,
                                                 status=Appointment.Status.BOOKED
                                                 ).update(reminder_sent_at=at)
            if claimed:
                _notify_appointment(Appointment.objects.select_related(
                    "office_hours__place", "office_hours__mediator", "person").get(pk=pk),
                    "reminder", at)
                sent += 1
    return sent


# --- accompaniment log ----------------------------------------------------------------------


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in text if c.isalnum()).lower()


def pseudonym(*, person: Person | None = None, first_name: str = "", family_name: str = "",
              birth_year: int | None = None) -> str:
    """A stable pseudonymous identifier: an HMAC (with a secret from settings) of the resident's
    number, or of the first name, family name and year of birth of an anonymous person. Without
    the secret it cannot be turned back into a name."""
    secret = (getattr(settings, "CIVICARD_PSEUDONYM_SECRET", "") or settings.SECRET_KEY).encode()
    if person is not None:
        message = f"person:{person.pk}"
    else:
        message = f"anon:{_normalise(first_name)}:{_normalise(family_name)}:{birth_year or ''}"
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


def _check_themes(themes: list[str]) -> str:
    allowed = standard.services()
    if not themes or any(theme not in allowed for theme in themes):
        raise InvalidInput(fields={"themes": [_("Choose at least one theme from the list.")]})
    return standard.SEPARATOR.join(theme for theme in allowed if theme in themes)


def _person_neighbourhood(person: Person) -> Neighbourhood | None:
    household = person.households.filter(address__isnull=False).select_related(
        "address__neighbourhood").first()
    return household.address.neighbourhood if household else None


@transaction.atomic
def log_accompaniment(*, mediator: Mediator, place: Place, day: date, duration_minutes: int,
                      themes: list[str], first_visit: bool, orientation: str = "",
                      person: Person | None = None, first_name: str = "",
                      family_name: str = "", birth_year: int | None = None,
                      age_bracket: str = "", neighbourhood: Neighbourhood | None = None,
                      actor: User, at: datetime) -> Accompaniment:
    """A mediator records a person they helped: a resident, or anonymously (age bracket,
    neighbourhood, and a pseudonym so that the person is counted once)."""
    check_role(actor, Role.MEDIATOR)
    if mediator.user_id != actor.pk and not holds_role(actor, Role.ADMINISTRATOR):
        raise NotYourOfficeHours()
    problems = {}
    if day > timezone.localdate(at) + timedelta(days=1):
        problems["day"] = [_("The date cannot be in the future.")]
    if not 1 <= duration_minutes <= 600:
        problems["duration_minutes"] = [_("Enter a duration between 1 and 600 minutes.")]
    if person is None and not (first_name.strip() and family_name.strip() and birth_year):
        problems["first_name"] = [_("For an anonymous person, enter the first name, the "
                                    "family name and the year of birth: they are not stored, "
                                    "only used to count the person once.")]
    if birth_year and not (1900 <= birth_year <= at.year):
        problems["birth_year"] = [_("Enter a year of birth such as 1956.")]
    if problems:
        raise InvalidInput(fields=problems)
    themes_text = _check_themes(themes)
    if person is not None:
        neighbourhood = neighbourhood or _person_neighbourhood(person)
    entry = Accompaniment.objects.create(
        mediator=mediator, place=place, date=day, duration_minutes=duration_minutes,
        themes=themes_text, first_visit=first_visit, orientation=orientation or "",
        person=person, age_bracket=age_bracket or "", neighbourhood=neighbourhood,
        pseudonym=pseudonym(person=person, first_name=first_name, family_name=family_name,
                            birth_year=birth_year),
        created_at=at)
    bump(PersonSeen, {"pseudonym": entry.pseudonym}, visits=1)
    if entry.neighbourhood_id:
        _seen(entry.neighbourhood_id, entry.pseudonym, day)
    return entry


def _seen(neighbourhood_id: int, pseudonym_: str, day: date) -> None:
    """Keep the goal dashboard's FirstSeen row at the earliest day (the UPDATE locks the row:
    concurrent writers queue and the earliest day stays)."""
    keys = {"neighbourhood_id": neighbourhood_id, "pseudonym": pseudonym_}
    FirstSeen.objects.bulk_create([FirstSeen(**keys, first_date=day)], ignore_conflicts=True)
    FirstSeen.objects.filter(**keys, first_date__gt=day).update(first_date=day)


@transaction.atomic
def erase_my_accompaniments(*, person: Person, actor: User, at: datetime) -> int:
    """The person's right to erasure: their accompaniment records are deleted (and the goal's
    first days of their pseudonyms recounted from what is left)."""
    rows = Accompaniment.objects.filter(person=person)
    pairs = sorted(set(rows.filter(neighbourhood__isnull=False)
                       .values_list("neighbourhood_id", "pseudonym")))
    visits = dict(rows.order_by().values_list("pseudonym").annotate(n=Count("pk")))
    for name, n in sorted(visits.items()):  # (a row missing before a rebuild stays missing)
        PersonSeen.objects.filter(pseudonym=name, visits__gte=n).update(visits=F("visits") - n)
    PersonSeen.objects.filter(pseudonym__in=visits, visits=0).delete()
    for hood, name in pairs:  # locked in one order
        list(FirstSeen.objects.select_for_update().filter(neighbourhood_id=hood,
                                                          pseudonym=name))
    deleted, _detail = rows.delete()
    for hood, name in pairs:
        first = (Accompaniment.objects.filter(neighbourhood_id=hood, pseudonym=name)
                 .aggregate(first=Min("date"))["first"])
        seen = FirstSeen.objects.filter(neighbourhood_id=hood, pseudonym=name)
        if first:
            seen.update(first_date=first)
        else:
            seen.delete()
    audit.record(actor=actor, action="inclusion.accompaniments_erased", at=at,
                 extra={"count": deleted})
    return deleted
