import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from civicard.core import clock
from civicard.core.errors import DomainError
from civicard.core.permissions import Role, role_required
from civicard.people import operations, queries
from civicard.people.forms import (
    AddressForm,
    ChildForm,
    CounterHouseholdForm,
    DeleteAccountForm,
    FindHouseholdForm,
    InviteGuardianForm,
    ProfileForm,
)
from civicard.people.models import Person
from civicard.territory.queries import current_territory


def form_error(form, error: DomainError) -> None:
    """Show a domain error on the form: on its fields when it names them, else on top."""
    placed = False
    for field, field_messages in error.fields.items():
        if field in form.fields:
            for message in field_messages:
                form.add_error(field, str(message))
            placed = True
    if not placed:
        form.add_error(None, error.text())


def resident_required(view):
    """The page is about `request.resident`: the logged-in person or the assisted one."""

    @login_required
    def wrapper(request, *args, **kwargs):
        if request.assisted_person is not None:
            request.resident = request.assisted_person
        if request.resident is None:
            return render(request, "error.html", {"status": 403}, status=403)
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@resident_required
def household(request):
    households = list(queries.households_of(request.resident))
    for item in households:
        item.is_guardian = any(m.person_id == request.resident.pk and m.is_guardian
                               for m in item.memberships.all())
    return render(request, "people/household.html", {"households": households})


@resident_required
def add_child(request, pk):
    household = queries.household_for_member(request.resident, pk)
    form = ChildForm(request.POST or None, initial={"language": request.resident.language})
    if request.method == "POST" and form.is_valid():
        try:
            child = operations.add_member(household=household, by=request.resident,
                                          actor=request.user, at=clock.now(),
                                          acting_for=request.assisted_person,
                                          **form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("%(name)s was added to your household.")
                             % {"name": child.display_name})
            return redirect("people:household")
    return render(request, "people/add_child.html", {"form": form, "household": household})


@resident_required
def invite_guardian(request, pk):
    household = queries.household_for_member(request.resident, pk)
    form = InviteGuardianForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            operations.invite_guardian(household=household, email=form.cleaned_data["email"],
                                       by=request.resident, actor=request.user, at=clock.now())
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("The invitation was sent to %(email)s.")
                             % {"email": form.cleaned_data["email"]})
            return redirect("people:household")
    return render(request, "people/invite_guardian.html", {"form": form, "household": household})


@resident_required
def set_address(request, pk):
    household = queries.household_for_member(request.resident, pk)
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            operations.set_address(household=household, by=request.resident, actor=request.user,
                                   at=clock.now(), **form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Your address was saved."))
            return redirect("people:household")
    return render(request, "people/address.html", {"form": form, "household": household})


@login_required
def accept_invitation(request, token):
    if request.method == "POST":
        operations.accept_invitation(token=token, user=request.user, at=clock.now())
        messages.success(request, _("You are now a guardian of this household."))
        return redirect("people:household")
    return render(request, "people/accept_invitation.html", {"token": token})


@resident_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.resident)
    if request.method == "POST" and form.is_valid():
        operations.update_profile(person=request.resident, actor=request.user, at=clock.now(),
                                  acting_for=request.assisted_person,
                                  **{k: form.cleaned_data[k] for k in
                                     ("full_name", "preferred_name", "phone", "language")})
        messages.success(request, _("Your profile was saved."))
        response = redirect("people:profile")
        if request.assisted_person is None:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"],
                                samesite="Lax")
        return response
    return render(request, "people/profile.html", {"form": form})


@resident_required
def export_data(request):
    data = queries.export_person_data(request.resident)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="civicard-my-data.json"'
    return response


@login_required
def delete_account(request):
    person = request.resident
    if person is None or request.assisted_person is not None:
        return render(request, "error.html", {"status": 403}, status=403)
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        operations.erase_person(person=person, actor=request.user, at=clock.now())
        logout(request)
        messages.success(request, _("Your account was deleted and your personal data erased."))
        return redirect("home")
    return render(request, "people/delete_account.html", {"form": form})


# Counter agents


HOUSEHOLDS_SHOWN = 30


@role_required(Role.COUNTER_AGENT, Role.SERVICE_MANAGER)
def counter(request):
    """The first households found; one more is read to say honestly when there are more."""
    form = FindHouseholdForm(request.GET or None)
    results, more = None, False
    if form.is_valid():
        found = list(queries.find_households(request.user, form.cleaned_data["q"],
                                             limit=HOUSEHOLDS_SHOWN + 1))
        results, more = found[:HOUSEHOLDS_SHOWN], len(found) > HOUSEHOLDS_SHOWN
    return render(request, "people/counter.html",
                  {"form": form, "results": results, "more": more})


@role_required(Role.COUNTER_AGENT)
def counter_create_household(request):
    form = CounterHouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            household = operations.create_household_at_counter(
                territory=current_territory(), actor=request.user, at=clock.now(),
                **form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("The household was created."))
            return redirect("people:counter_household", pk=household.pk)
    return render(request, "people/counter_create.html", {"form": form})


@role_required(Role.COUNTER_AGENT, Role.SERVICE_MANAGER)
def counter_household(request, pk):
    household = queries.household_for_agent(request.user, pk)
    show_bracket = request.GET.get("show") == "income_bracket"
    bracket = (queries.income_bracket_for(household, reader=request.user, reader_person=None)
               if show_bracket else None)
    return render(request, "people/counter_household.html",
                  {"household": household, "show_bracket": show_bracket, "bracket": bracket})


@require_POST
@role_required(Role.COUNTER_AGENT)
def start_assisting(request, person_pk):
    person = get_object_or_404(Person, pk=person_pk, erased_at__isnull=True)
    operations.start_assisted_session(agent=request.user, person=person, at=clock.now())
    messages.info(request, _("You are now helping %(name)s. Everything you do is recorded.")
                  % {"name": person.display_name})
    return redirect("people:household")


@require_POST
@role_required(Role.COUNTER_AGENT)
def stop_assisting(request):
    operations.end_assisted_session(agent=request.user, at=clock.now())
    messages.info(request, _("You stopped helping this resident."))
    return redirect("people:counter")


@require_POST
def choose_language(request):
    """The language picker: remembered in a cookie, and on the person when logged in."""
    response = set_language(request)
    language = request.POST.get("language")
    person = getattr(request, "resident", None)
    if person is not None and request.assisted_person is None and language in dict(
            settings.LANGUAGES):
        operations.set_language(person=person, language=language)
    return response
