from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicard.access.models import Checkpoint
from civicard.bookings import calendars, operations, queries
from civicard.bookings.exceptions import SlotTaken
from civicard.bookings.forms import (
    BlockForm,
    BookForm,
    DepositForm,
    ReasonForm,
    RentalForm,
    ResourceForm,
)
from civicard.bookings.models import Block, CalendarFeed, RentalStatus, Resource
from civicard.core import audit, clock
from civicard.core.errors import DomainError, InvalidInput, NotFound
from civicard.core.money import parse_amount
from civicard.core.pdf import pdf_response
from civicard.core.permissions import Role, role_required
from civicard.people.views import form_error, resident_required
from civicard.territory.queries import current_territory


def _ics(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.ics"'
    return response


def _day(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default


# Residents ------------------------------------------------------------------------------------

@resident_required
def resources(request):
    now = clock.now()
    household = queries.household_of(request.resident)
    rows = [(resource, queries.next_free(resource, after=now, now=now),
             queries.price_of(resource, household, timezone.localdate(now)))
            for resource in queries.bookable_resources()]
    return render(request, "bookings/resources.html", {"rows": rows})


@resident_required
def week(request, pk):
    resource = queries.resource(pk)
    now = clock.now()
    today = timezone.localdate(now)
    first = max(_day(request.GET.get("from"), today), today)
    last = today + timedelta(days=resource.book_ahead_days)
    first = min(first, last)
    days = queries.week(resource, first, now=now,
                        household=queries.household_of(request.resident))
    previous = first - timedelta(days=7)
    return render(request, "bookings/week.html", {
        "resource": resource, "days": days, "first": first,
        "previous": max(previous, today) if first > today else None,
        "next": first + timedelta(days=7) if first + timedelta(days=7) <= last else None,
    })


@resident_required
def book(request, pk):
    resource = queries.resource(pk)
    household = queries.household_of(request.resident)
    members = ([m for m in household.members.all() if m.pk != request.resident.pk]
               if household else [])
    associations = (request.user.edited_associations.filter(
        territory_id=resource.facility.territory_id).order_by("name")
        if resource.associations_may_book else None)
    form = BookForm(request.POST or None, members=members, associations=associations,
                    initial={"start": request.GET.get("start")})
    start, taken = None, False
    if request.method == "POST" and form.is_valid():
        start = form.cleaned_data["start"]
        try:
            operations.book(resource=resource, person=request.resident, start=start,
                            card_numbers=form.card_numbers(),
                            members=form.cleaned_data.get("members", []),
                            association=form.cleaned_data.get("association"),
                            idempotency_key=request.POST.get("idempotency_key", ""),
                            actor=request.user, at=clock.now())
        except DomainError as error:
            if set(error.fields) <= {"start"}:  # about the slot itself, a hidden field
                form.add_error(None, error.text())
            else:
                form_error(form, error)
            taken = error.code == SlotTaken.code
        else:
            messages.success(request, _("Booked. Your card opens the door for this slot."))
            return redirect("bookings:mine")
    else:
        start = form["start"].value()
        try:
            start = datetime.fromisoformat(start) if isinstance(start, str) else start
        except ValueError:
            start = None
    if start is None or timezone.is_naive(start):
        raise NotFound()
    now = clock.now()
    return render(request, "bookings/book.html", {
        "resource": resource, "form": form, "start": start,
        "end": start + timedelta(minutes=resource.slot_minutes),
        "price": queries.price_of(resource, household, timezone.localdate(start)),
        "association_price": (queries.price_of(resource, household, timezone.localdate(start),
                                               for_association=True)
                              if "association" in form.fields else None),
        "currency": resource.service.territory.currency if resource.service else "",
        "next_free": queries.next_free(resource, after=start, now=now) if taken else [],
        "key": request.POST.get("idempotency_key") or operations.new_key(),
        "deadline": start - timedelta(hours=resource.cancel_until_hours),
    })


@resident_required
def mine(request):
    now = clock.now()
    feed = None
    household = queries.household_of(request.resident)
    if household is not None:
        feed = CalendarFeed.objects.filter(household=household).first()
    return render(request, "bookings/mine.html", {
        "upcoming": queries.my_bookings(request.resident, now=now),
        "past": queries.my_bookings(request.resident, now=now, upcoming=False),
        "feed": feed, "now": now,
    })


@require_POST
@resident_required
def cancel(request, pk):
    booking = queries.my_booking(request.resident, pk)
    try:
        cancelled = operations.cancel(booking=booking, person=request.resident,
                                      actor=request.user, at=clock.now())
    except DomainError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, _("Cancelled and refunded.") if cancelled.refund_id
                         else _("Cancelled. It was too late for a refund."))
    return redirect("bookings:mine")


@resident_required
def booking_ics(request, pk):
    booking = queries.my_booking(request.resident, pk)
    return _ics(calendars.bookings(booking.resource.name, [booking], now=clock.now()),
                f"booking-{booking.pk}")


@require_POST
@resident_required
def renew_feed(request):
    household = queries.household_of(request.resident)
    if household is None:
        raise NotFound()
    operations.renew_feed(household=household, at=clock.now())
    messages.success(request, _("Your calendar has a new secret address; the old one no "
                                "longer works."))
    return redirect("bookings:mine")


def household_feed(request, token):
    rows = queries.feed_bookings(token)
    return _ics(calendars.bookings(_("My bookings"), rows, now=clock.now()), "bookings")


def busy_feed(request, pk):
    resource = queries.resource(pk)
    now = clock.now()
    return _ics(calendars.busy(resource.name, queries.busy(resource, now=now), now=now),
                f"resource-{resource.pk}")


# Managers -------------------------------------------------------------------------------------

@role_required(Role.SERVICE_MANAGER)
def manage(request):
    return render(request, "bookings/manage.html", {
        "resources": queries.resources_for_manager(request.user)})


def _resource_form(request, resource):
    from civicard.access.queries import facilities_for_manager, services_for_manager

    facilities = facilities_for_manager(request.user)
    return ResourceForm(request.POST or None, instance=resource, facilities=facilities,
                        checkpoints=Checkpoint.objects.filter(facility__in=facilities)
                        .select_related("facility"),
                        services=services_for_manager(request.user))


@role_required(Role.SERVICE_MANAGER)
def resource_edit(request, pk=None):
    resource = queries.resource_for_manager(request.user, pk) if pk else Resource()
    form = _resource_form(request, resource)
    if request.method == "POST" and form.is_valid():
        try:
            operations.save_resource(resource=form.instance,
                                     checkpoints=list(form.cleaned_data["checkpoints"]),
                                     communes=list(form.cleaned_data["communes"]),
                                     actor=request.user, at=clock.now())
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("bookings:resource", form.instance.pk)
    return render(request, "bookings/resource_form.html", {
        "form": form, "resource": resource if pk else None,
        "blocks": resource.blocks.all() if pk else [], "block_form": BlockForm()})


@role_required(Role.SERVICE_MANAGER)
def planning(request, pk):
    resource = queries.resource_for_manager(request.user, pk)
    now = clock.now()
    first = _day(request.GET.get("day"), timezone.localdate(now))
    days = 7 if request.GET.get("span") == "week" else 1
    rows = queries.planning(resource, first, days=days)
    audit.record(actor=request.user, action="booking.planning_viewed", obj=resource, at=now,
                 extra={"day": first.isoformat(), "days": days})
    return render(request, "bookings/planning.html", {
        "resource": resource, "rows": rows, "first": first, "days": days,
        "grid": queries.week(resource, first, now=now, days=days),
        "previous": first - timedelta(days=days), "next": first + timedelta(days=days),
        "reason_form": ReasonForm(),
    })


@require_POST
@role_required(Role.SERVICE_MANAGER)
def block_add(request, pk):
    resource = queries.resource_for_manager(request.user, pk)
    form = BlockForm(request.POST)
    if form.is_valid():
        try:
            operations.add_block(resource=resource, actor=request.user, at=clock.now(),
                                 **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.text())
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Check the day, the times and the reason."))
    return redirect("bookings:resource", resource.pk)


@require_POST
@role_required(Role.SERVICE_MANAGER)
def block_remove(request, pk, block_pk):
    resource = queries.resource_for_manager(request.user, pk)
    block = Block.objects.filter(resource=resource, pk=block_pk).first()
    if block is None:
        raise NotFound()
    operations.remove_block(block=block, actor=request.user, at=clock.now())
    return redirect("bookings:resource", resource.pk)


@require_POST
@role_required(Role.SERVICE_MANAGER)
def manager_cancel(request, pk):
    booking = queries.booking_for_manager(request.user, pk)
    try:
        operations.cancel_as_manager(booking=booking, reason=request.POST.get("reason", ""),
                                     actor=request.user, at=clock.now())
    except DomainError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, _("Cancelled and refunded; the household is told."))
    day = timezone.localtime(booking.start).date().isoformat()
    return redirect(f"{reverse('bookings:planning', args=[booking.resource_id])}?day={day}")


# Hall rentals ---------------------------------------------------------------------------------

@resident_required
def rent(request, pk):
    resource = queries.resource(pk)
    if not resource.by_request:
        raise NotFound()
    associations = request.user.edited_associations.order_by("name")
    form = RentalForm(request.POST or None, associations=associations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            operations.request_rental(
                resource=resource, person=request.resident, first_day=data["first_day"],
                last_day=data["last_day"] or data["first_day"], purpose=data["purpose"],
                attendance=data["attendance"], helper_cards=form.helper_cards(),
                association=data.get("association"),
                idempotency_key=request.POST.get("idempotency_key", ""),
                actor=request.user, at=clock.now())
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Your request is sent. You will be told when the "
                                        "service answers."))
            return redirect("bookings:my_rentals")
    household = queries.household_of(request.resident)
    today = clock.today()
    return render(request, "bookings/rent.html", {
        "resource": resource, "form": form,
        "price": queries.price_of(resource, household, today),
        "currency": resource.service.territory.currency if resource.service else "",
        "key": request.POST.get("idempotency_key") or operations.new_key(),
    })


@resident_required
def my_rentals(request):
    return render(request, "bookings/my_rentals.html", {
        "rentals": queries.my_rentals(request.resident), "now": clock.now()})


@require_POST
@resident_required
def withdraw_rental(request, pk):
    rental = queries.my_rental(request.resident, pk)
    try:
        operations.withdraw_rental(rental=rental, person=request.resident, actor=request.user,
                                   at=clock.now())
    except DomainError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, _("Your request is withdrawn."))
    return redirect("bookings:my_rentals")


def _agreement(request, rental):
    """The rental agreement of an accepted rental, in the renter's language."""
    if rental.status != RentalStatus.ACCEPTED:
        raise NotFound()
    with translation.override(rental.requested_by.language or settings.LANGUAGE_CODE):
        return pdf_response("bookings/agreement_pdf.html", {
            "rental": rental, "territory": current_territory(),
            "currency": rental.resource.service.territory.currency
            if rental.resource.service else ""},
            f"civicard-rental-{rental.pk}.pdf", request)


@resident_required
def my_agreement(request, pk):
    return _agreement(request, queries.my_rental(request.resident, pk))


@role_required(Role.SERVICE_MANAGER)
def manage_rentals(request):
    now = clock.now()
    desk = queries.rental_desk(request.user, now=now)
    audit.record(actor=request.user, action="booking.rentals_viewed", obj=None, at=now,
                 extra={"pending": len(desk.pending)})
    return render(request, "bookings/manage_rentals.html", {
        "desk": desk, "reason_form": ReasonForm(), "deposit_form": DepositForm(), "now": now})


def _decided(request, run, done: str):
    try:
        run()
    except DomainError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, done)
    return redirect("bookings:manage_rentals")


@require_POST
@role_required(Role.SERVICE_MANAGER)
def accept_rental(request, pk):
    rental = queries.rental_for_manager(request.user, pk)
    return _decided(request, lambda: operations.accept_rental(
        rental=rental, actor=request.user, at=clock.now()),
        _("Accepted: the renter is told, and their card opens the door during the hire."))


@require_POST
@role_required(Role.SERVICE_MANAGER)
def refuse_rental(request, pk):
    rental = queries.rental_for_manager(request.user, pk)
    return _decided(request, lambda: operations.refuse_rental(
        rental=rental, reason=request.POST.get("reason", ""), actor=request.user,
        at=clock.now()), _("Refused: the renter is told why."))


@require_POST
@role_required(Role.SERVICE_MANAGER)
def settle_deposit(request, pk):
    rental = queries.rental_for_manager(request.user, pk)

    def run():
        try:
            kept = parse_amount(request.POST.get("kept", ""), field="kept", allow_zero=True)
        except DomainError:
            raise InvalidInput(_("Enter the amount kept, such as 0 or 45.50.")) from None
        operations.settle_deposit(rental=rental, kept_cents=kept,
                                  reason=request.POST.get("reason", ""), actor=request.user,
                                  at=clock.now())
    return _decided(request, run, _("The deposit is settled; the renter is told."))


@role_required(Role.SERVICE_MANAGER)
def manager_agreement(request, pk):
    rental = queries.rental_for_manager(request.user, pk)
    audit.record(actor=request.user, action="booking.rental_agreement_viewed", obj=rental,
                 at=clock.now())
    return _agreement(request, rental)
