import json
from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicard.agenda import ical, operations, queries
from civicard.agenda.forms import (
    AlertSettingsForm,
    EventForm,
    EventTextsForm,
    FilterForm,
    ImportForm,
    StatusForm,
)
from civicard.agenda.models import Accessibility, Category, Event
from civicard.core import clock
from civicard.core.errors import DomainError, InvalidInput, PermissionRefused
from civicard.core.permissions import Role, role_required
from civicard.notifications.operations import subscribe_to_push
from civicard.people.views import form_error, resident_required
from civicard.providers.push import application_server_key
from civicard.territory.queries import neighbourhood_choices

PAGE_SIZE = 30  # occurrences a page of the week: a cheap phone receives about 10 KB


def _listing(request, *, days: int, start: date | None = None):
    """The filter form, its filters over `days` days (from `start` when given, else from the
    form's date or today), and the query string without the page's place."""
    form = FilterForm(request.GET or None)
    filters = form.filters(today=clock.today(), days=days, start=start)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("after", None)
    return form, filters, query.urlencode()


def _titled(occurrences):
    language = get_language()
    for occurrence in occurrences:
        occurrence.title = queries.title_of(occurrence.event, language)
        occurrence.title_language = (queries.text_of(occurrence.event, language).language
                                     if occurrence.title else "")
    return occurrences


def _lines(occurrences, first_day: date) -> list[dict]:
    """The page's occurrences as days of lines, everything a line shows prepared here (plain
    values: the template only places them). An occurrence that began before the first day is
    listed under it with its full date."""
    language, local = get_language(), queries.zone()
    labels = dict(Event.Status.choices)
    free, free_with_card = _("Free"), _("Free with my card")
    days: list[dict] = []
    for occurrence in occurrences:
        event, start = occurrence.event, occurrence.start.astimezone(local)
        day = max(start.date(), first_day)
        if not days or days[-1]["day"] != day:
            days.append({"day": day, "name": formats.date_format(day, "l j F"), "lines": []})
        title, title_language = queries.listed_title(event, language)
        status = Event.Status.CANCELLED if occurrence.cancelled else event.status
        days[-1]["lines"].append({
            "iso": start.isoformat(),
            "at": f"{start:%H:%M}" if start.date() == day
            else formats.date_format(start, "D j M, H:i"),
            "url": reverse("agenda:event", args=[event.pk]),
            "title": title, "lang": title_language,
            "place": event.place_name,
            "status": "" if status == Event.Status.SCHEDULED else status,
            "status_label": labels[status],
            "free": free_with_card if event.free_with_card else free if event.is_free else "",
        })
    return days


def week(request):
    """Seven days from a day (today by default), PAGE_SIZE occurrences a page read by keyset
    (`after` is where the page starts), grouped by day; a day picker moves the seven days."""
    form, filters, query = _listing(request, days=7)
    found, following = queries.page_of(filters, after=request.GET.get("after"), size=PAGE_SIZE)
    moved = request.GET.copy()
    for name in ("page", "after", "start"):
        moved.pop(name, None)
    moved = moved.urlencode()
    prefix = f"?{moved}&start=" if moved else "?start="
    return render(request, "agenda/week.html", {
        "form": form, "filters": filters, "query": query, "days": _lines(found, filters.start),
        "last_day": filters.end - timedelta(days=1),
        "picker": [{"url": prefix + day.isoformat(), "name": formats.date_format(day, "D j"),
                    "current": day == filters.start}
                   for day in (filters.start + timedelta(days=n) for n in range(7))],
        "next_url": f"?{query}{'&' if query else ''}after={following}" if following else "",
        "first_url": f"?{query}" if request.GET.get("after") else "",
        "next_week": prefix + filters.end.isoformat(),
        "previous_week": prefix + (filters.start - timedelta(days=7)).isoformat(),
    })


def month(request):
    today = clock.today()
    try:
        first = date.fromisoformat(request.GET.get("month", "") + "-01")
    except ValueError:
        first = today.replace(day=1)
    first = min(max(first, date(2000, 1, 1)), date(today.year + 2, 12, 1))
    following = (first + timedelta(days=32)).replace(day=1)
    form, filters, query = _listing(request, days=(following - first).days, start=first)
    found = _titled(list(queries.occurrences(filters)[:1500]))
    return render(request, "agenda/month.html", {
        "form": form, "query": query, "first": first,
        "weeks": queries.month_weeks(first.year, first.month, found),
        "previous": (first - timedelta(days=1)).strftime("%Y-%m"),
        "next": following.strftime("%Y-%m"),
    })


def event_map(request):
    form, filters, query = _listing(request, days=31)
    points = {}
    found = queries.occurrences(filters).select_related("event__venue", "event__neighbourhood")
    for occurrence in _titled(list(found[:1000])):
        event = occurrence.event
        place = event.venue if event.latitude is None else event
        latitude = getattr(place, "latitude", None) if place else None
        if latitude is None and event.neighbourhood_id:
            place = event.neighbourhood
            latitude = place.centre_latitude
            longitude = place.centre_longitude
        elif latitude is not None:
            longitude = place.longitude
        if latitude is None or event.pk in points:
            continue
        points[event.pk] = {
            "type": "Feature", "id": event.pk,
            "geometry": {"type": "Point", "coordinates": [float(longitude), float(latitude)]},
            "properties": {"name": occurrence.title, "lines": [event.place_name]}}
    return render(request, "agenda/map.html", {
        "form": form, "query": query, "filters": filters,
        "features": {"type": "FeatureCollection", "features": list(points.values())},
        "tiles_url": settings.CIVICARD_MAP_TILES_URL,
        "tiles_attribution": settings.CIVICARD_MAP_TILES_ATTRIBUTION,
    })


def event(request, pk):
    found = queries.event_for(request.user, pk)
    language = get_language()
    at = clock.now()
    follows = queries.follows_of(request.resident)
    return render(request, "agenda/event.html", {
        "event": found, "text": queries.text_of(found, language),
        "occurrences": queries.upcoming_occurrences(found, at),
        "categories": [Category(c.category).label for c in found.categories.all()],
        "accessibility": [Accessibility(code).label for code in found.accessibility
                          if code in Accessibility.values],
        "saved": f"event:{found.pk}" in follows,
        "publisher_followed": f"publisher:{found.publisher_id}" in follows,
        "free_entries": queries.free_entries_for(request.resident, found, at),
        "can_edit": queries.can_edit(request.user, found.publisher),
        "can_rewrite": queries.can_rewrite(request.user, found),
        "status_form": StatusForm(initial={"status": found.status}),
    })


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _calendar(occurrences, name: str) -> bytes:
    language = get_language()
    return ical.calendar_of(
        occurrences, name=name, title_of=lambda e: queries.title_of(e, language),
        url_of=lambda e: f"{settings.CIVICARD_BASE_URL}{reverse('agenda:event', args=[e.pk])}")


def event_ics(request, pk):
    found = queries.event_for(request.user, pk)
    return _ics_response(_calendar(found.occurrences.all(), queries.title_of(
        found, get_language())), f"event-{found.pk}.ics")


def feed(request):
    """The whole agenda, or one category, organiser or neighbourhood: ?category=…&publisher=…"""
    form = FilterForm(request.GET or None)
    filters = form.filters(today=clock.today() - timedelta(days=7),
                           days=settings.CIVICARD_AGENDA_HORIZON_DAYS)
    publisher = request.GET.get("publisher", "")
    if publisher.isdigit():
        filters = queries.Filters(**{**filters.__dict__, "publisher": int(publisher)})
    return _ics_response(_calendar(queries.occurrences(filters)[:5000], _("What's on")),
                         "agenda.ics")


def personal_feed(request, token):
    return _ics_response(_calendar(queries.personal_occurrences(token, clock.now()),
                                   _("My agenda")), "my-agenda.ics")


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@require_POST
@resident_required
def follow(request):
    kind, value = request.POST.get("kind", ""), request.POST.get("value", "")
    try:
        if request.POST.get("follow") == "1":
            operations.follow(person=request.resident, kind=kind, value=value, at=clock.now())
            messages.success(request, _("Followed. You will hear of what changes."))
        else:
            operations.unfollow(person=request.resident, kind=kind, value=value, at=clock.now())
            messages.success(request, _("You no longer follow it."))
    except DomainError as error:
        messages.error(request, error.text())
    return _back(request, reverse("agenda:my_alerts"))


@resident_required
def my_alerts(request):
    found = operations.settings_of(request.resident)
    form = AlertSettingsForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            operations.save_alert_settings(person=request.resident, at=clock.now(), **data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Your choices are saved."))
            return redirect("agenda:my_alerts")
    follows = queries.follows_of(request.resident)
    return render(request, "agenda/my_alerts.html", {
        "form": form, "categories": [(code, label, f"category:{code}" in follows)
                                     for code, label in Category.choices],
        "neighbourhoods": [(n, f"neighbourhood:{n.pk}" in follows)
                           for n in neighbourhood_choices()],
        "others": sorted(t for t in follows if not t.startswith(("category:", "neighbourhood:"))),
        "feed_url": settings.CIVICARD_BASE_URL + reverse("agenda:personal_feed",
                                                         args=[found.feed_token]),
        "vapid_key": application_server_key(),
    })


@require_POST
@resident_required
def push_subscribe(request):
    """The browser's PushSubscription as JSON: {endpoint, keys: {p256dh, auth}}."""
    try:
        data = json.loads(request.body or b"{}")
        endpoint, keys = str(data["endpoint"]), data["keys"]
        p256dh, auth = str(keys["p256dh"]), str(keys["auth"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse(InvalidInput().as_dict(), status=422)
    if not endpoint.startswith("https://") or len(endpoint) > 800 or len(p256dh) > 200 \
            or len(auth) > 100:
        return JsonResponse(InvalidInput().as_dict(), status=422)
    subscribe_to_push(person_id=request.resident.pk, endpoint=endpoint, p256dh=p256dh, auth=auth,
                      at=clock.now())
    return JsonResponse({"subscribed": True}, status=201)


@require_POST
@resident_required
def renew_feed(request):
    operations.renew_feed_token(person=request.resident, at=clock.now())
    messages.success(request, _("Your calendar has a new address. The old one no longer works."))
    return redirect("agenda:my_alerts")


def _details(data, texts: EventTextsForm, publisher) -> operations.EventDetails:
    price = data.get("price")
    return operations.EventDetails(
        language=texts.cleaned_data["language"], texts=texts.texts(),
        start=data["start"], end=data["end"], rrule=data["rrule"],
        place_name=data["place_name"], address=data["address"],
        neighbourhood=data["neighbourhood"], categories=data["categories"],
        price_cents=None if price is None else int(price * 100),
        free_with_card=data["free_with_card"],
        venue=publisher.venue if data["free_with_card"] else None,
        age_min=data["age_min"], age_max=data["age_max"], accessibility=data["accessibility"],
        registration_url=data["registration_url"], capacity=data["capacity"])


def _event_initial(found) -> dict:
    first = found.occurrences.order_by("start").first()
    zone = queries.zone()
    return {
        "start": first.start.astimezone(zone).replace(tzinfo=None) if first else None,
        "end": first.end.astimezone(zone).replace(tzinfo=None) if first else None,
        "rrule": found.rrule, "place_name": found.place_name, "address": found.address,
        "neighbourhood": found.neighbourhood_id,
        "categories": [c.category for c in found.categories.all()],
        "price": found.price, "free_with_card": found.free_with_card,
        "age_min": found.age_min, "age_max": found.age_max,
        "accessibility": found.accessibility, "registration_url": found.registration_url,
        "capacity": found.capacity, "status": found.status,
    }


def _event_forms(request, *, publishers, found=None):
    """The event's form and its words' form, bound on POST."""
    data = request.POST or None
    if found is None:
        first = publishers.first()
        language = first.language if first else get_language()
        form = EventForm(data, publishers=publishers, initial={"publisher": first})
        texts = EventTextsForm(data, first_language=get_language(),
                               initial={"language": language})
    else:
        form = EventForm(data, publishers=publishers, event=found, initial=_event_initial(found))
        texts = EventTextsForm(data, first_language=get_language(),
                               initial=EventTextsForm.initial_for(found))
    return form, texts


def _save_event(request, form, texts, save):
    """`save(data)` when both forms are valid: the event, or None with the errors on the form."""
    if request.method != "POST" or not (form.is_valid() & texts.is_valid()):
        return None
    try:
        return save(form.cleaned_data)
    except DomainError as error:
        form_error(form, error)
    return None


@login_required
def publish(request):
    publishers = queries.publishers_of(request.user)
    if not publishers.exists():
        raise PermissionRefused()
    form, texts = _event_forms(request, publishers=publishers)
    created = _save_event(request, form, texts, lambda data: operations.publish_event(
        publisher=data["publisher"], details=_details(data, texts, data["publisher"]),
        actor=request.user, at=clock.now()))
    if created:
        messages.success(request, _("The event is published.") if created.review ==
                         "published" else _("The event waits for a moderator."))
        return redirect("agenda:event", created.pk)
    return render(request, "agenda/publish.html", {"form": form, "texts": texts})


@login_required
def edit(request, pk):
    found = queries.event_for(request.user, pk)
    if not queries.can_rewrite(request.user, found):
        raise PermissionRefused()
    form, texts = _event_forms(request, publishers=queries.publishers_of(request.user),
                               found=found)
    changed = _save_event(request, form, texts, lambda data: operations.update_event(
        event=found, details=_details(data, texts, found.publisher), actor=request.user,
        at=clock.now(), status=data["status"]))
    if changed:
        messages.success(request, _("The event is changed. Followers hear of a new status or "
                                    "new dates."))
        return redirect("agenda:event", changed.pk)
    return render(request, "agenda/publish.html", {"form": form, "texts": texts,
                                                   "event": found})


@require_POST
@login_required
def change_status(request, pk):
    found = queries.event_for(request.user, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        operations.change_status(event=found, status=form.cleaned_data["status"],
                                 actor=request.user, at=clock.now())
        messages.success(request, _("The status is changed and followers are told."))
    return redirect("agenda:event", found.pk)


@login_required
def import_file(request):
    publishers = queries.publishers_of(request.user)
    if not publishers.exists():
        raise PermissionRefused()
    form = ImportForm(request.POST or None, request.FILES or None, publishers=publishers)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > operations.MAX_FEED_BYTES:
            form.add_error("file", _("The file is larger than 5 MB."))
        else:
            publisher = form.cleaned_data["publisher"]
            operations.check_editor(publisher, request.user)
            report = operations.import_calendar(
                publisher=publisher, text=upload.read().decode("utf-8", errors="replace"),
                at=clock.now())
    return render(request, "agenda/import.html", {"form": form, "report": report})


@role_required(Role.MODERATOR)
def moderation(request):
    waiting = list(queries.awaiting_moderation())
    language = get_language()
    for found in waiting:
        found.title = queries.title_of(found, language)
    return render(request, "agenda/moderation.html", {"waiting": waiting})


@require_POST
@role_required(Role.MODERATOR)
def moderate(request, pk):
    found = queries.event_for(request.user, pk)
    approve = request.POST.get("decision") == "approve"
    operations.moderate_event(event=found, approve=approve, actor=request.user, at=clock.now())
    messages.success(request, _("The event is published.") if approve
                     else _("The event is refused."))
    return redirect("agenda:moderation")

