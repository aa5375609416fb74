from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicard.core import audit, clock, opening_hours, spreadsheets
from civicard.core.errors import DomainError, NotFound
from civicard.core.permissions import Role, holds_role, role_required
from civicard.core.routers import reads_from_replica
from civicard.inclusion import charts, operations, queries, standard
from civicard.inclusion.forms import (
    AccompanimentForm,
    BookingForm,
    DecisionForm,
    ImportForm,
    OfficeHoursForm,
    PlaceFilterForm,
    ProposalForm,
    SessionChangeForm,
)
from civicard.inclusion.management.commands.import_places import report_lines
from civicard.inclusion.models import (
    Accompaniment,
    Appointment,
    Goal,
    Mediator,
    OfficeHours,
    PlaceProposal,
)
from civicard.people.models import Person
from civicard.people.views import form_error, resident_required
from civicard.territory.queries import current_territory

VALIDATORS = (Role.MEDIATOR, Role.ADMINISTRATOR)


def _local_now():
    return clock.now().astimezone(queries.zone())


# --- directory, map and place page ----------------------------------------------------------

def _phone_display(number: str) -> str:
    """+33549001122 → 05 49 00 11 22 (French numbers); other numbers as they are."""
    if number.startswith("+33") and len(number) == 12:
        local = "0" + number[3:]
        return " ".join(local[i:i + 2] for i in range(0, 10, 2))
    return number


def places(request):
    territory = current_territory()
    form = PlaceFilterForm(request.GET or None)
    found = queries.find_places(territory, form.filters(), at=clock.now()) if territory else []

    paginator = Paginator(found, queries.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "inclusion/places.html", {
        "form": form, "page": page, "count": paginator.count, "query": query.urlencode(),
        "filters": form.filters(), "can_validate": holds_role(request.user, *VALIDATORS),
    })


def place_map(request):
    form = PlaceFilterForm(request.GET or None)
    return render(request, "inclusion/map.html", {
        "form": form, "query": request.GET.urlencode(),
        "tiles_url": settings.CIVICARD_MAP_TILES_URL,
        "tiles_attribution": settings.CIVICARD_MAP_TILES_ATTRIBUTION,
    })


def place_detail(request, pk):
    place = queries.published_place(pk)
    now = _local_now()
    week = opening_hours.week(place.horaires, now.date())
    sessions = queries.upcoming_sessions(place=place, start=now.date(), days=28)
    return render(request, "inclusion/place.html", {
        "place": place, "week": week, "today": week[0] if week else None,
        "hours_now": opening_hours.summary(place.horaires, now), "sessions": sessions[:8],
        "actors": place.actors.all(), "initiatives": place.initiatives.select_related("actor"),
        "phone_display": _phone_display(place.telephone),
        "emails": place.values("courriels"), "websites": place.values("site_web"),
        "services": standard.labels(place.services),
        "publics": ", ".join(standard.labels(place.publics_specifiquement_adresses)),
        "fees": ", ".join(standard.labels(place.frais_a_charge)),
        "access": ", ".join(standard.labels(place.modalites_acces)),
        "support": ", ".join(standard.labels(place.prise_en_charge_specifique)),
        "help_kinds": ", ".join(standard.labels(place.modalites_accompagnement)),
    })


# --- proposals ------------------------------------------------------------------------------

@resident_required
def propose(request, pk=None):
    place = queries.published_place(pk) if pk else None
    form = (ProposalForm.for_place(place, request.POST or None) if place
            else ProposalForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        try:
            operations.propose_place(territory=current_territory(), place=place,
                                     data=form.proposal_data(), proposer=request.resident,
                                     at=clock.now())
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Thank you. A digital mediator will check your proposal "
                                        "and you will get a message."))
            return redirect("inclusion:places")
    return render(request, "inclusion/propose.html", {"form": form, "place": place})


@role_required(*VALIDATORS)
def proposals(request):
    pending = PlaceProposal.objects.filter(status=PlaceProposal.Status.PENDING).select_related(
        "place", "proposer")
    return render(request, "inclusion/proposals.html", {"proposals": pending})


@role_required(*VALIDATORS)
def decide(request, pk):
    proposal = get_object_or_404(PlaceProposal.objects.select_related("place"), pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            operations.decide_proposal(proposal_id=proposal.pk,
                                       accept=request.POST.get("decision") == "accept",
                                       reason=form.cleaned_data["reason"], actor=request.user,
                                       at=clock.now())
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Your decision was saved and the person was told."))
            return redirect("inclusion:proposals")
    changes = []
    for name, value in proposal.data.items():
        before = getattr(proposal.place, name, "") if proposal.place else ""
        if str(before) != str(value):
            changes.append((name, before, value))
    return render(request, "inclusion/decide.html", {"proposal": proposal, "form": form,
                                                     "changes": changes})


@role_required(Role.ADMINISTRATOR)
def import_page(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > 10 * 1024 * 1024:
            form.add_error("file", _("The file is too big (10 MB at most)."))
        else:
            report = operations.import_places(
                source=upload.read(), territory=current_territory(), actor=request.user,
                at=clock.now(), dry_run=form.cleaned_data["dry_run"])
    return render(request, "inclusion/import.html", {
        "form": form, "report": report, "lines": report_lines(report) if report else []})


# --- appointments ---------------------------------------------------------------------------

@resident_required
def book(request, pk):
    office_hours = get_object_or_404(OfficeHours.objects.select_related("place", "mediator"),
                                     pk=pk)
    now = clock.now()
    form = BookingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            starts_at = datetime.fromisoformat(request.POST.get("slot", ""))
            if starts_at.tzinfo is None:
                raise ValueError
        except ValueError:
            form.add_error(None, _("Choose a time."))
        else:
            try:
                operations.book_appointment(office_hours=office_hours, starts_at=starts_at,
                                            person=request.resident,
                                            topic=form.cleaned_data["topic"],
                                            actor=request.user, at=now)
            except DomainError as error:
                form_error(form, error)
            else:
                messages.success(request, _("Your appointment is booked. You will get a "
                                            "reminder the day before."))
                return redirect("inclusion:my_appointments")
    slots = queries.free_slots(office_hours, start=clock.today(), days=28, at=now)
    return render(request, "inclusion/book.html", {"office_hours": office_hours,
                                                   "slots": slots[:6], "form": form})


@resident_required
def my_appointments(request):
    appointments = Appointment.objects.filter(
        person=request.resident, starts_at__gte=clock.now() - timedelta(days=30)).select_related(
        "office_hours__place", "office_hours__mediator").order_by("starts_at")
    return render(request, "inclusion/my_appointments.html", {"appointments": appointments,
                                                              "now": clock.now()})


@require_POST
@resident_required
def cancel_appointment(request, pk):
    try:
        operations.cancel_appointment(appointment_id=pk, person=request.resident,
                                      actor=request.user, at=clock.now())
    except DomainError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, _("Your appointment is cancelled."))
    return redirect(request.POST.get("next") if request.POST.get("next") == "/inclusion/mediator/"
                    else "inclusion:my_appointments")


@resident_required
def my_records(request):
    records = Accompaniment.objects.filter(person=request.resident).select_related(
        "place", "mediator")
    if request.method == "POST":
        count = operations.erase_my_accompaniments(person=request.resident, actor=request.user,
                                                   at=clock.now())
        messages.success(request, _("%(count)s record(s) were erased.") % {"count": count})
        return redirect("inclusion:my_records")
    return render(request, "inclusion/my_records.html", {"records": records})


# --- mediators ------------------------------------------------------------------------------

def _mediator(request) -> Mediator:
    mediator = Mediator.objects.filter(user=request.user).first()
    if mediator is None:
        raise NotFound(_("You have no mediator profile yet. Ask an administrator."))
    return mediator


@role_required(Role.MEDIATOR)
def mediator_home(request):
    mediator = _mediator(request)
    try:
        day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = clock.today()
    sessions, appointments = queries.mediator_day(mediator, day)
    audit.record(actor=request.user, action="inclusion.mediator_day_viewed",
                 extra={"day": day.isoformat()})
    return render(request, "inclusion/mediator.html", {
        "mediator": mediator, "day": day, "sessions": sessions, "appointments": appointments,
        "previous": day - timedelta(days=1), "next": day + timedelta(days=1),
        "office_hours": mediator.office_hours.select_related("place"),
        "totals": queries.accompaniment_totals(mediator),
        "recent": mediator.accompaniments.select_related("place", "neighbourhood")[:10],
    })


@role_required(Role.MEDIATOR)
def office_hours_edit(request, pk=None):
    mediator = _mediator(request)
    instance = get_object_or_404(OfficeHours, pk=pk) if pk else None
    form = OfficeHoursForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            operations.set_office_hours(
                mediator=instance.mediator if instance else mediator, office_hours=instance,
                actor=request.user, at=clock.now(), **data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Your office hours were saved."))
            return redirect("inclusion:mediator")
    if instance is not None and instance.mediator_id != mediator.pk and not holds_role(
            request.user, Role.ADMINISTRATOR):
        return render(request, "error.html", {"status": 403}, status=403)
    return render(request, "inclusion/office_hours_form.html", {"form": form,
                                                                "instance": instance})


@role_required(Role.MEDIATOR)
def session_change(request, pk):
    office_hours = get_object_or_404(OfficeHours.objects.select_related("mediator"), pk=pk)
    form = SessionChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            operations.change_session(office_hours=office_hours, day=form.cleaned_data["date"],
                                      kind=form.cleaned_data["kind"], actor=request.user,
                                      at=clock.now())
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("The change was saved."))
            return redirect("inclusion:mediator")
    return render(request, "inclusion/session_change.html", {"form": form,
                                                             "office_hours": office_hours})


@role_required(Role.MEDIATOR)
def log_accompaniment(request):
    mediator = _mediator(request)
    form = AccompanimentForm(request.POST or None, initial={"day": clock.today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = None
        if data["person_email"]:
            person = Person.objects.filter(user__email__iexact=data["person_email"]).first()
            if person is None:
                form.add_error("person_email", _("No Civicard account has this e-mail. Leave it "
                                                 "empty and fill in the anonymous part."))
        if not form.errors:
            try:
                operations.log_accompaniment(
                    mediator=mediator, place=data["place"], day=data["day"],
                    duration_minutes=data["duration_minutes"], themes=data["themes"],
                    first_visit=data["first_visit"], orientation=data["orientation"],
                    person=person, first_name=data["first_name"],
                    family_name=data["family_name"], birth_year=data["birth_year"],
                    age_bracket=data["age_bracket"], neighbourhood=data["neighbourhood"],
                    actor=request.user, at=clock.now())
            except DomainError as error:
                form_error(form, error)
            else:
                messages.success(request, _("The accompaniment was recorded."))
                return redirect("inclusion:mediator")
    return render(request, "inclusion/log_form.html", {"form": form})


# --- goal dashboard -------------------------------------------------------------------------

def _goal():
    goal = Goal.objects.filter(territory=current_territory()).order_by("pk").first()
    if goal is None:
        raise NotFound(_("No goal has been set yet."))
    return goal


@role_required(*VALIDATORS)
@reads_from_replica
def dashboard(request):
    goal = _goal()
    deadline, progress = queries.goal_progress(goal, today=clock.today())
    for item in progress:
        item.chart = charts.progress_svg(item, deadline=deadline, goal=goal)
    return render(request, "inclusion/dashboard.html", {
        "goal": goal, "deadline": deadline, "progress": progress,
        "totals": queries.accompaniment_totals()})


@role_required(*VALIDATORS)
@reads_from_replica
def dashboard_csv(request):
    goal = _goal()
    _deadline, progress = queries.goal_progress(goal, today=clock.today())
    return spreadsheets.csv_response("inclusion-goal.csv", spreadsheets.csv_lines(
        ["neighbourhood", "commune", "population", "target_people", "month",
         "unique_people_accompanied", "target_so_far"],
        ([item.neighbourhood.name, item.neighbourhood.commune.name, item.population,
          item.target, month.strftime("%Y-%m"), reached, target]
         for item in progress for month, reached, target in item.months)))
