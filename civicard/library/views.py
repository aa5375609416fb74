from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicard.core import audit, clock, spreadsheets
from civicard.core.errors import DomainError
from civicard.core.permissions import Role, holds_role, role_required
from civicard.library import catalogue, connector, operations, queries
from civicard.library.exceptions import ImportRefused
from civicard.library.forms import (
    CatalogueSearchForm,
    CopyForm,
    HoldForm,
    ImportForm,
    JoinForm,
    LendForm,
    NewCopyForm,
    ReturnForm,
    SearchForm,
    TitleForm,
)
from civicard.library.models import Channel, Copy, Hold, Library, Title
from civicard.people.views import form_error, resident_required

DESK_ROLES = (Role.COUNTER_AGENT, Role.SERVICE_MANAGER)
DESK_BRANCH_KEY = "library_desk_branch"  # the branch a desk last checked items in at


def search(request):
    libraries = list(queries.libraries())
    form = SearchForm(request.GET or None, libraries=libraries)
    found = Title.objects.none()
    if form.is_valid() and (form.cleaned_data["q"] or form.cleaned_data["kind"]):
        library = next((lib for lib in libraries if lib.pk == form.cleaned_data["library"]),
                       None)
        found = queries.search(library=library, text=form.cleaned_data["q"],
                               kind=form.cleaned_data["kind"])
    page = Paginator(found, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = queries.with_shelf_counts(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    desks = [lib for lib in libraries
             if holds_role(request.user, *DESK_ROLES, commune_id=lib.commune_id)]
    return render(request, "library/search.html", {
        "form": form, "page": page, "query": query.urlencode(), "desks": desks})


def title_detail(request, pk):
    title = get_object_or_404(Title.objects.select_related("library"), pk=pk)
    branches = title.library.branches.all()
    return render(request, "library/title.html", {
        "title": title, "availability": queries.availability(title),
        "hold_form": HoldForm(branches=branches) if title.library.is_built_in else None,
    })


@require_POST
@resident_required
def place_hold(request, pk):
    title = get_object_or_404(Title.objects.select_related("library"), pk=pk)
    branches = list(title.library.branches.all())
    form = HoldForm(request.POST, branches=branches)
    membership = queries.membership_of(title.library, request.resident)
    if membership is None:
        messages.error(request, _("Join this library first, below or at the desk."))
        return redirect("library:my_library")
    if form.is_valid():
        branch = next(b for b in branches if b.pk == form.cleaned_data["pickup_branch"])
        try:
            operations.place_hold(title=title, membership=membership, person=request.resident,
                                  pickup_branch=branch, channel=Channel.ONLINE,
                                  actor=request.user, at=clock.now())
        except DomainError as error:
            messages.error(request, error.text())
            return redirect("library:title", pk=title.pk)
        messages.success(request, _("Your request is recorded. We will tell you when it is "
                                    "ready."))
        return redirect("library:my_library")
    return redirect("library:title", pk=title.pk)


@resident_required
def my_library(request):
    person = request.resident
    memberships = list(queries.memberships_of(person))
    joined = {m.library_id for m in memberships}
    joinable = [(library, JoinForm(branches=library.branches.all(), prefix=f"j{library.pk}"))
                for library in queries.libraries() if library.pk not in joined]
    holds = queries.holds_of(person)
    return render(request, "library/my_library.html", {
        "memberships": memberships, "loans": queries.loans_of(person),
        "ready": [line for line in holds if line.collect_by],
        "waiting": [line for line in holds if not line.collect_by], "joinable": joinable,
        "external": connector.accounts_of(memberships), "now": clock.now(),
    })


@require_POST
@resident_required
def join(request, pk):
    library = get_object_or_404(Library, pk=pk)
    form = JoinForm(request.POST, branches=library.branches.all(), prefix=f"j{library.pk}")
    if form.is_valid():
        try:
            operations.join(library=library, person=request.resident,
                            home_branch=library.branches.get(pk=form.cleaned_data["home_branch"]),
                            share_with_library_system=form.cleaned_data[
                                "share_with_library_system"],
                            actor=request.user, at=clock.now())
        except DomainError as error:
            messages.error(request, error.text())
        else:
            messages.success(request, _("Welcome! Your card is now your library card."))
    return redirect("library:my_library")


@require_POST
@resident_required
def renew(request, pk):
    loan = get_object_or_404(queries.loans_of(request.resident), pk=pk)
    try:
        operations.renew(loan=loan, channel=Channel.ONLINE, actor=request.user, at=clock.now())
    except DomainError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, _("Renewed. The new date is shown below."))
    return redirect("library:my_library")


@require_POST
@resident_required
def cancel_hold(request, pk):
    hold = get_object_or_404(Hold.objects.filter(person=request.resident), pk=pk)
    try:
        operations.cancel_hold(hold=hold, actor=request.user, at=clock.now())
    except DomainError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, _("Your request is cancelled."))
    return redirect("library:my_library")


# --- desk -------------------------------------------------------------------------------------

def _desk_library(request, pk) -> Library:
    library = get_object_or_404(Library, pk=pk)
    operations.check_librarian(request.user, library)
    return library


def _lend(request, library, form):
    at = clock.now()
    try:
        patron = queries.find_patron(library, form.cleaned_data["patron"], at)
        copy = queries.find_copy(library, form.cleaned_data["item"])
        loan = operations.lend(membership=patron.membership, person=patron.person, copy=copy,
                               channel=Channel.DESK, actor=request.user, at=at)
    except DomainError as error:
        form_error(form, error)
        return None
    messages.success(request, _("Lent to %(name)s until %(date)s.") % {
        "name": patron.person.display_name,
        "date": formats.date_format(timezone.localdate(loan.due_at), "DATE_FORMAT")})
    return patron


def _check_in(request, library, form, branches):
    branch = next(b for b in branches if b.pk == form.cleaned_data["branch"])
    try:
        copy = queries.find_copy(library, form.cleaned_data["item"])
        done = operations.check_in(copy=copy, branch=branch, channel=Channel.DESK,
                                   pieces_counted=form.cleaned_data["pieces"],
                                   actor=request.user, at=clock.now())
    except DomainError as error:
        form_error(form, error)
        return False
    request.session[DESK_BRANCH_KEY] = branch.pk
    text = (_("Returned: “%(title)s”.") if done.returned else
            _("Checked in: “%(title)s”.")) % {"title": copy.title.title}
    if done.returned and done.returned.pieces_missing:
        text += " " + _("Pieces missing: %(count)s.") % {"count": done.returned.pieces_missing}
    if done.send_to is not None:
        text += " " + _("Put it aside: it goes to %(branch)s.") % {"branch": done.send_to.name}
    elif done.copy.waiting_for_id:
        text += " " + _("Put it aside: someone asked for it.")
    messages.success(request, text)
    return True


@role_required(*DESK_ROLES)
def desk(request, pk):
    library = _desk_library(request, pk)
    branches = list(library.branches.all())
    lend_form = LendForm(prefix="lend")
    here = request.session.get(DESK_BRANCH_KEY) or next((b.pk for b in branches), None)
    return_form = ReturnForm(prefix="return", branches=branches, initial={"branch": here})
    patron = None
    if request.method == "POST" and "lend-item" in request.POST:
        lend_form = LendForm(request.POST, prefix="lend")
        if lend_form.is_valid():
            patron = _lend(request, library, lend_form)
            if patron is not None:
                lend_form = LendForm(prefix="lend", initial={
                    "patron": lend_form.cleaned_data["patron"]})
    elif request.method == "POST":
        return_form = ReturnForm(request.POST, prefix="return", branches=branches)
        if return_form.is_valid() and _check_in(request, library, return_form, branches):
            return redirect("library:desk", pk=library.pk)
    loans = queries.loans_of(patron.person) if patron else []
    return render(request, "library/desk.html", {
        "library": library, "lend_form": lend_form, "return_form": return_form,
        "patron": patron, "loans": loans, "now": clock.now()})


# --- catalogue, for the library's staff -------------------------------------------------------

@role_required(*DESK_ROLES)
def catalogue_titles(request, pk):
    library = _desk_library(request, pk)
    form = CatalogueSearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(queries.search(library=library, text=text),
                     queries.PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = queries.with_shelf_counts(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "library/catalogue.html", {
        "library": library, "form": form, "page": page, "query": query.urlencode(),
        "can_import": holds_role(request.user, Role.SERVICE_MANAGER,
                                 commune_id=library.commune_id)})


def _details(form) -> operations.TitleDetails:
    return operations.TitleDetails(**form.cleaned_data)


@role_required(*DESK_ROLES)
def catalogue_new_title(request, pk):
    library = _desk_library(request, pk)
    form = TitleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        title = operations.add_title(library=library, details=_details(form),
                                     actor=request.user, at=clock.now())
        messages.success(request, _("Title added. Now add its copies."))
        return redirect("library:catalogue_title", pk=library.pk, title_pk=title.pk)
    return render(request, "library/catalogue_title.html", {"library": library,
                                                            "title_form": form})


@role_required(*DESK_ROLES)
def catalogue_title(request, pk, title_pk):
    library = _desk_library(request, pk)
    title = get_object_or_404(Title, pk=title_pk, library=library)
    branches = list(library.branches.all())
    title_form = TitleForm(prefix="title", initial={
        name: getattr(title, name) for name in TitleForm.base_fields})
    copy_form = NewCopyForm(prefix="copy", branches=branches)
    if request.method == "POST" and "title-title" in request.POST:
        title_form = TitleForm(request.POST, prefix="title")
        if title_form.is_valid():
            operations.edit_title(title=title, details=_details(title_form), actor=request.user,
                                  at=clock.now())
            messages.success(request, _("Saved."))
            return redirect("library:catalogue_title", pk=library.pk, title_pk=title.pk)
    elif request.method == "POST":
        copy_form = NewCopyForm(request.POST, prefix="copy", branches=branches)
        if copy_form.is_valid():
            data = copy_form.cleaned_data
            try:
                operations.add_copy(title=title, barcode=data["barcode"], pieces=data["pieces"],
                                    branch=next(b for b in branches if b.pk == data["branch"]),
                                    actor=request.user, at=clock.now())
            except DomainError as error:
                form_error(copy_form, error)
            else:
                messages.success(request, _("Copy added."))
                return redirect("library:catalogue_title", pk=library.pk, title_pk=title.pk)
    return render(request, "library/catalogue_title.html", {
        "library": library, "title": title, "title_form": title_form, "copy_form": copy_form,
        "copies": title.copies.select_related("branch").order_by("barcode")})


@role_required(*DESK_ROLES)
def catalogue_copy(request, pk, copy_pk):
    library = _desk_library(request, pk)
    copy = get_object_or_404(Copy.objects.select_related("title", "branch", "library"),
                             pk=copy_pk, library=library)
    form = CopyForm(request.POST or None, initial={"barcode": copy.barcode,
                                                   "pieces": copy.pieces})
    if request.method == "POST" and form.is_valid():
        try:
            operations.edit_copy(copy=copy, barcode=form.cleaned_data["barcode"],
                                 pieces=form.cleaned_data["pieces"], actor=request.user,
                                 at=clock.now())
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("library:catalogue_title", pk=library.pk, title_pk=copy.title_id)
    return render(request, "library/catalogue_copy.html", {
        "library": library, "copy": copy, "form": form})


@require_POST
@role_required(*DESK_ROLES)
def catalogue_withdraw(request, pk, copy_pk):
    library = _desk_library(request, pk)
    copy = get_object_or_404(Copy, pk=copy_pk, library=library)
    try:
        operations.withdraw(copy=copy, actor=request.user, at=clock.now())
    except DomainError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, _("Copy %(barcode)s withdrawn: it can no longer be lent.")
                         % {"barcode": copy.barcode})
    return redirect("library:catalogue_title", pk=library.pk, title_pk=copy.title_id)


@role_required(Role.SERVICE_MANAGER)
def import_catalogue(request, pk):
    library = get_object_or_404(Library, pk=pk)
    operations.check_manager(request.user, library)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        reader = (catalogue.read_csv if upload.name.lower().endswith(".csv")
                  else catalogue.read_marc)
        try:
            report = catalogue.import_records(
                library=library, records=reader(upload.file), at=clock.now(),
                default_branch=library.branches.order_by("pk").first(),
                all_or_nothing=form.cleaned_data["all_or_nothing"])
        except ImportRefused as refused:
            report = refused.report
            form.add_error(None, refused.text())
        audit.record(actor=request.user, action="library.imported", obj=library,
                     extra={"titles": report.titles, "errors": report.error_count})
    return render(request, "library/import.html", {"library": library, "form": form,
                                                   "report": report})


@role_required(Role.SERVICE_MANAGER)
def patrons_csv(request, pk):
    library = get_object_or_404(Library, pk=pk)
    operations.check_manager(request.user, library)
    audit.record(actor=request.user, action="library.patrons_exported", obj=library)
    return spreadsheets.csv_response(f"{library.code}-patrons.csv", spreadsheets.csv_lines(
        queries.KOHA_PATRON_COLUMNS, queries.koha_patron_rows(library)))
