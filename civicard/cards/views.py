from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civicard.cards import codes, operations, queries
from civicard.cards.forms import (
    BlockCardForm,
    FindPersonForm,
    IssueCardForm,
    ReplaceCardForm,
    SearchPageForm,
)
from civicard.cards.models import Card, CardKind, CardPurpose
from civicard.core import audit, clock
from civicard.core.errors import DomainError
from civicard.core.pdf import pdf_response
from civicard.core.permissions import Role, role_required
from civicard.people.models import Person
from civicard.people.views import form_error, resident_required


def _qr_svg(payload: str, scale: int = 8) -> str:
    import segno

    return segno.make(payload, error="m", micro=False).svg_inline(scale=scale, border=2,
                                                                   dark="#000", light="#fff")


# Resident --------------------------------------------------------------------------------------

@never_cache
@resident_required
def my_card(request):
    """The digital card: the rotating QR (computed on the phone by card.js; the server draws
    the current one so the page also works without JavaScript)."""
    person = request.resident
    card = queries.live_digital_card(person)
    at = clock.now().timestamp()
    requested = request.GET.get("at", "")
    if requested.isdigit():  # tests and demos: show the code of a given instant
        at = float(requested)
    context = {"card": card, "cards": queries.household_cards(person)}
    if card is not None:
        payload = codes.qr_payload(card.number, card.secret, at)
        context.update(payload=payload, qr=_qr_svg(payload), number=codes.format_number(
            card.number), step=codes.STEP_SECONDS, at=int(at))
    return render(request, "cards/my_card.html", context)


@require_POST
@resident_required
def get_digital_card(request):
    operations.get_digital_card(person=request.resident, actor=request.user, at=clock.now())
    messages.success(request, _("Your digital card is ready."))
    return redirect("cards:my_card")


@resident_required
def block_my_card(request, pk):
    card = get_object_or_404(queries.household_cards(request.resident), pk=pk)
    form = BlockCardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            operations.block_card(card=card, reason=form.cleaned_data["reason"],
                                  actor=request.user, at=clock.now())
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("The card is blocked. Nobody can use it any more. "
                                        "Ask at the counter for a new one."))
            return redirect("cards:my_card")
    return render(request, "cards/block.html", {"form": form, "card": card})


def service_worker(request):
    response = HttpResponse(render_to_string("cards/sw.js", request=request),
                            content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/me/card/"
    return response


def manifest(request):
    return HttpResponse(render_to_string("cards/manifest.webmanifest", request=request),
                        content_type="application/manifest+json; charset=utf-8")


# Counter ---------------------------------------------------------------------------------------

@role_required(Role.COUNTER_AGENT, Role.SERVICE_MANAGER)
def counter_find(request):
    form = FindPersonForm(request.GET or None)
    context = {"form": form, "page": None}
    if form.is_valid():
        paging = SearchPageForm(request.GET)
        where = paging.cleaned_data if paging.is_valid() else {}
        page = queries.people_page(request.user, form.cleaned_data["q"],
                                   after=where.get("after"), start=where.get("start") or 1)
        if page.total == 1:
            return redirect("cards:counter_person", pk=page.people[0].pk)
        context["page"] = page
    return render(request, "cards/counter_find.html", context)


def _person_context(request, person, **extra):
    cards = list(queries.cards_of(person))
    audit.record(actor=request.user, action="card.history_read", obj=person, at=clock.now())
    return {"person": person, "cards": cards,
            "households": person.memberships.select_related("household"),
            "issue_form": IssueCardForm(), "block_form": BlockCardForm(),
            "replace_form": ReplaceCardForm(), **extra}


@role_required(Role.COUNTER_AGENT)
def counter_person(request, pk):
    person = get_object_or_404(Person, pk=pk, erased_at__isnull=True)
    return render(request, "cards/counter_person.html", _person_context(request, person))


@require_POST
@role_required(Role.COUNTER_AGENT)
def counter_issue(request, pk):
    person = get_object_or_404(Person, pk=pk, erased_at__isnull=True)
    form = IssueCardForm(request.POST)
    if form.is_valid():
        try:
            card = operations.issue_card(
                person=person, kind=form.cleaned_data["kind"], uid=form.cleaned_data["uid"],
                purpose=CardPurpose.STAFF if form.cleaned_data["staff"] else CardPurpose.RESIDENT,
                actor=request.user, at=clock.now())
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Card %(number)s was issued.")
                             % {"number": codes.format_number(card.number)})
            return redirect("cards:counter_person", pk=pk)
    return render(request, "cards/counter_person.html",
                  _person_context(request, person, issue_form=form), status=422)


def _agent_card(request, pk) -> Card:
    return get_object_or_404(Card.objects.select_related("person"), pk=pk)


@require_POST
@role_required(Role.COUNTER_AGENT)
def counter_block(request, pk):
    card = _agent_card(request, pk)
    form = BlockCardForm(request.POST)
    if form.is_valid():
        try:
            operations.block_card(card=card, reason=form.cleaned_data["reason"],
                                  actor=request.user, at=clock.now())
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("The card is blocked."))
            return redirect("cards:counter_person", pk=card.person_id)
    return render(request, "cards/counter_person.html",
                  _person_context(request, card.person, block_form=form, form_card=card.pk),
                  status=422)


@require_POST
@role_required(Role.COUNTER_AGENT)
def counter_replace(request, pk):
    card = _agent_card(request, pk)
    form = ReplaceCardForm(request.POST)
    if form.is_valid():
        try:
            new = operations.replace_card(card=card, reason=form.cleaned_data["reason"],
                                          uid=form.cleaned_data["uid"] or None,
                                          actor=request.user, at=clock.now())
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Card %(number)s replaces the old one.")
                             % {"number": codes.format_number(new.number)})
            return redirect("cards:counter_person", pk=card.person_id)
    return render(request, "cards/counter_person.html",
                  _person_context(request, card.person, replace_form=form, form_card=card.pk),
                  status=422)


@role_required(Role.COUNTER_AGENT)
def counter_print(request, pk):
    card = _agent_card(request, pk)
    operations.record_print(card=card, actor=request.user, at=clock.now())
    return pdf_response("cards/card_pdf.html", {
        "card": card, "number": codes.format_number(card.number),
        "qr": _qr_svg(codes.static_payload(card.number), scale=4),
        "is_staff_card": card.purpose == CardPurpose.STAFF,
        "is_digital": card.kind == CardKind.DIGITAL,
    }, f"civicard-card-{card.number}.pdf", request)


# Labels of the links this app adds to base.html and home.html (translated in this catalog).
NAV_LABELS = (gettext_lazy("My card"), gettext_lazy("My services"), gettext_lazy("Cards"),
              gettext_lazy("Counter: cards and balances"),
              gettext_lazy("Services, tariffs and balances"))
