import uuid
from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from civicard.benefits import charts, operations, queries, rules
from civicard.benefits.forms import (
    BatchForm,
    BookletSearchForm,
    CodeForm,
    ConfirmForm,
    HandOutForm,
    NoticesForm,
)
from civicard.benefits.models import NoticePreference, RedemptionKind
from civicard.core import clock, spreadsheets
from civicard.core.errors import DomainError
from civicard.core.money import format_cents
from civicard.core.permissions import Role, role_required
from civicard.core.routers import reads_from_replica
from civicard.people.views import form_error, resident_required

# Residents


@resident_required
def my_benefits(request):
    person = request.resident
    preference = NoticePreference.objects.filter(person=person).first()
    form = NoticesForm(request.POST or None, initial={
        "monthly_notices": preference.monthly_notices if preference else True})
    if request.method == "POST" and form.is_valid():
        operations.set_monthly_notices(person=person, wanted=form.cleaned_data["monthly_notices"],
                                       actor=request.user, at=clock.now())
        messages.success(request, _("Your choice was saved."))
        return redirect("benefits:mine")
    rights = queries.my_rights(person, clock.now())
    for right in rights:
        right.map_id = f"venue-map-{right.programme.pk}"
        right.map = venue_features(right.venues)
    return render(request, "benefits/mine.html", {
        "rights": rights, "booklets": queries.my_booklets(person), "form": form,
        "has_map": any(right.map["features"] for right in rights),
        "tiles_url": settings.CIVICARD_MAP_TILES_URL,
        "tiles_attribution": settings.CIVICARD_MAP_TILES_ATTRIBUTION})


def venue_features(venues) -> dict:
    """The venues with coordinates as GeoJSON for the map, with the same lines as the list:
    what is left there this month, open now or when it opens, today's opening hours."""
    features = []
    for venue in venues:
        if venue.latitude is None or venue.longitude is None:
            continue
        lines = [venue.address] if venue.address else []
        if venue.left_here == 0:
            lines.append(_("No free entries left here this month."))
        else:
            lines.append(ngettext("%(counter)s free entry left here this month.",
                                  "%(counter)s free entries left here this month.",
                                  venue.left_here) % {"counter": venue.left_here})
        if venue.week:
            lines += [venue.hours_now, _("Today: %(hours)s") % {"hours": venue.week[0].hours}]
        features.append({
            "type": "Feature", "id": venue.pk,
            "geometry": {"type": "Point",
                         "coordinates": [float(venue.longitude), float(venue.latitude)]},
            "properties": {"name": venue.name, "lines": lines}})
    return {"type": "FeatureCollection", "features": features}


# Venue desk


def _venue(request):
    return queries.venue_for(request.user, request.GET.get("venue") or request.POST.get("venue"))


@role_required(Role.VENUE_STAFF)
def desk(request):
    venue = _venue(request)
    now = clock.now()
    form = CodeForm(request.POST or None)
    offer = confirm = None
    if request.method == "POST" and form.is_valid():
        try:
            offer = queries.offer(form.cleaned_data["code"], venue, now)
        except DomainError as error:
            form_error(form, error)
        else:
            confirm = ConfirmForm(initial={"credential": form.cleaned_data["code"],
                                           "key": uuid.uuid4().hex}, services=offer.services)
    return render(request, "benefits/desk.html", {
        "venue": venue, "form": form, "offer": offer, "confirm": confirm,
        "today": _today(venue, now)})


def _today(venue, now):
    rows = list(queries.todays_redemptions(venue, now))
    for row in rows:
        row.can_undo = row.undone_at is None and now - row.at <= rules.UNDO_WINDOW
    return rows


@require_POST
@role_required(Role.VENUE_STAFF)
def redeem(request):
    venue = _venue(request)
    now = clock.now()
    try:
        offer = queries.offer(request.POST.get("credential", ""), venue, now)
        services = offer.services
    except DomainError:
        services = ()
    confirm = ConfirmForm(request.POST, services=services)
    if confirm.is_valid():
        try:
            redemption = operations.redeem_credential(
                credential=confirm.cleaned_data["credential"], venue=venue,
                service=confirm.cleaned_data.get("service", ""), actor=request.user, at=now,
                idempotency_key=confirm.cleaned_data["key"])
        except DomainError as error:
            messages.error(request, error.text())
        else:
            if redemption.kind == RedemptionKind.VOUCHER:
                messages.success(request, _("Voucher accepted: %(value)s.") % {
                    "value": format_cents(redemption.amount_cents,
                                          redemption.programme.currency)})
            else:
                messages.success(request, _("Free entry accepted for %(name)s.") % {
                    "name": redemption.person.display_name})
    else:
        messages.error(request, _("Choose the service given, then confirm again."))
    return redirect(f"{reverse('benefits:desk')}?venue={venue.pk}")


@require_POST
@role_required(Role.VENUE_STAFF)
def undo(request, pk):
    redemption = queries.redemption_for_venue(request.user, pk)
    try:
        operations.undo_redemption(redemption=redemption, actor=request.user, at=clock.now())
    except DomainError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, _("The use was undone."))
    return redirect(f"{reverse('benefits:desk')}?venue={redemption.venue_id}")


@role_required(Role.VENUE_STAFF)
def venue_statements(request):
    venue = _venue(request)
    return render(request, "benefits/venue_statements.html", {
        "venue": venue, "statements": venue.statements.select_related("programme")})


# Social workers


@role_required(Role.SOCIAL_WORKER)
def booklets(request):
    form = BookletSearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    status = request.GET.get("status", "")
    found = queries.booklets_of_service(request.user, status=status, q=q)
    return render(request, "benefits/booklets.html", {
        "form": form, "booklets": found[:100], "count": found.count(), "status": status,
        "funnel": queries.booklet_funnel(queries.booklets_of_service(request.user))})


@role_required(Role.SOCIAL_WORKER)
def booklet(request, pk):
    item = queries.booklet_for_social_worker(request.user, pk)
    form = HandOutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            operations.hand_out_booklet(booklet=item, actor=request.user, at=clock.now(),
                                        **form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Booklet %(number)s was handed out. Its vouchers can be "
                                        "used now.") % {"number": item.number})
            return redirect("benefits:booklet", pk=item.pk)
    return render(request, "benefits/booklet.html", {
        "booklet": item, "form": form,
        "vouchers": item.vouchers.prefetch_related("redemptions__venue")})


@require_POST
@role_required(Role.SOCIAL_WORKER)
def cancel_booklet(request, pk):
    item = queries.booklet_for_social_worker(request.user, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm the booklet is lost."))
        return redirect("benefits:booklet", pk=item.pk)
    try:
        operations.cancel_booklet(booklet=item, actor=request.user, at=clock.now())
    except DomainError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, _("Booklet %(number)s was cancelled. Its remaining vouchers "
                                    "will be refused.") % {"number": item.number})
    return redirect("benefits:booklet", pk=item.pk)


@role_required(Role.SOCIAL_WORKER, Role.SERVICE_MANAGER)
def booklet_pdf(request, pk):
    from civicard.benefits import pdf

    item = queries.booklet_for_printing(request.user, pk)
    response = HttpResponse(pdf.booklets_pdf([item]), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="booklet-{item.number}.pdf"'
    return response


# Funders


@role_required(Role.SERVICE_MANAGER, Role.SOCIAL_WORKER)
@reads_from_replica
def dashboard(request):
    programmes = list(queries.programmes_for_funder(request.user))
    social = not programmes
    context = queries.dashboard(request.user, programmes, at=clock.now(), social=social)
    for section in context["sections"]:
        _add_charts(section)
        section["batch_form"] = BatchForm(prefix=f"p{section['programme'].pk}")
    return render(request, "benefits/dashboard.html", context)


def _add_charts(section: dict) -> None:
    if "funnel" in section:
        funnel = section["funnel"]
        section["funnel_chart"] = charts.bars([
            (_("created"), funnel["created"]), (_("handed out"), funnel["handed_out"]),
            (_("started"), funnel["started"]), (_("fully used"), funnel["fully_used"])],
            title=_("Booklets, from created to fully used"))
    if section.get("money"):
        by_venue: dict[str, float] = {}
        for row in section["money"]:
            by_venue[row["venue"]] = by_venue.get(row["venue"], 0) + row["cents"] / 100
        section["money_chart"] = charts.bars(
            sorted(by_venue.items()), title=_("Vouchers redeemed per venue, in euros"),
            unit=" €")
        # a row per venue and month (hundreds in a large town): built here, not by the template
        currency = section["programme"].currency
        months = {month: date_format(month, "YEAR_MONTH_FORMAT")
                  for month in {row["month"] for row in section["money"]}}
        section["money_rows"] = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((months[row["month"]], row["venue"], row["count"],
              format_cents(row["cents"], currency), format_cents(row["settled"], currency))
             for row in section["money"]))
    if section.get("entries"):
        section["entries_chart"] = charts.bars(
            [(row["venue__name"], row["count"]) for row in section["entries"]],
            title=_("Free entries used this month, per venue"))


@require_POST
@role_required(Role.SERVICE_MANAGER)
def issue_statements(request, pk):
    programme = queries.programme_for_funder(request.user, pk)
    month = rules.month_of(clock.now())
    previous = (month - timedelta(days=1)).replace(day=1)
    try:
        issued = operations.issue_statements(programme=programme, month=previous,
                                             actor=request.user, at=clock.now())
    except DomainError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, _("%(count)s statements were issued.") % {"count": len(issued)})
    return redirect("benefits:dashboard")


def _statement_rows(statement):
    return [(line.at, line.label, line.amount_cents) for line in statement.lines.all()]


@role_required(Role.SERVICE_MANAGER, Role.VENUE_STAFF)
def statement_csv(request, pk):
    statement = queries.statement_for(request.user, pk)
    head = [statement.number, statement.venue.name, f"{statement.month:%Y-%m}"]
    lines = [[*head, at.isoformat(), label, cents]
             for at, label, cents in _statement_rows(statement)]
    return spreadsheets.csv_response(f"statement-{statement.number}.csv", spreadsheets.csv_lines(
        ["statement", "venue", "month", "when", "voucher", "amount_cents"],
        [*lines, [*head, "", "TOTAL", statement.total_cents]]))


@role_required(Role.SERVICE_MANAGER, Role.VENUE_STAFF)
def statement_pdf(request, pk):
    from civicard.benefits import pdf

    statement = queries.statement_for(request.user, pk)
    response = HttpResponse(pdf.statement_pdf(statement), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="statement-{statement.number}.pdf"'
    return response


@role_required(Role.SERVICE_MANAGER)
def payments_csv(request, pk, month):
    programme = queries.programme_for_funder(request.user, pk)
    try:
        month_date = date.fromisoformat(f"{month}-01")
    except ValueError:
        return render(request, "error.html", {"status": 404}, status=404)
    return spreadsheets.csv_response(f"payments-{programme.pk}-{month}.csv", spreadsheets.csv_lines(
        ["reference", "beneficiary", "iban", "amount", "currency", "label"],
        ([statement.number, statement.venue.name, statement.venue.iban,
          f"{statement.total_cents / 100:.2f}", programme.currency, f"{programme.name} {month}"]
         for statement in queries.statements_of(programme, month_date) if statement.total_cents),
        delimiter=";"))


@require_POST
@role_required(Role.SERVICE_MANAGER)
def create_batch(request, pk):
    programme = queries.programme_for_funder(request.user, pk)
    form = BatchForm(request.POST, prefix=f"p{programme.pk}")
    if not form.is_valid():
        messages.error(request, _("Enter a number of booklets from 1 to 5,000 and choose the "
                                  "social service."))
        return redirect("benefits:dashboard")
    try:
        batch = operations.create_booklets(programme=programme, actor=request.user,
                                           at=clock.now(), **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, _("%(count)s booklets were created for %(service)s.") % {
            "count": batch.size, "service": batch.social_service.name})
    return redirect("benefits:dashboard")


@role_required(Role.SERVICE_MANAGER)
def batch_pdf(request, pk):
    from civicard.benefits import pdf

    batch = queries.batch_for_funder(request.user, pk)
    booklets = batch.booklets.select_related("programme__funder").order_by("number")[:200]
    response = HttpResponse(pdf.booklets_pdf(list(booklets)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="booklets-batch-{batch.pk}.pdf"'
    return response
