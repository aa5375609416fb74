import json
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicard.childhood import invoices, operations, pricing, queries
from civicard.childhood.exceptions import NotAChildOfTheHousehold
from civicard.childhood.forms import (
    AbsenceForm,
    ActivityForm,
    ContractForm,
    CreditNoteForm,
    DebtLimitForm,
    DocumentForm,
    EnrolForm,
    MonthForm,
    NurseryRateForm,
    PriceForm,
    SeasonDaysForm,
    UnitForm,
)
from civicard.childhood.models import (
    Absence,
    ChildEnrolment,
    Document,
    Invoice,
    NurseryContract,
    UnitDay,
)
from civicard.core import clock
from civicard.core.errors import DomainError, InvalidInput, PermissionRefused
from civicard.core.pdf import pdf_response
from civicard.core.permissions import Role, holds_role, role_communes, role_required
from civicard.core.validation import EARLIEST, LATEST_AHEAD, has_control_characters
from civicard.people.models import Person
from civicard.people.views import form_error, resident_required
from civicard.providers.payments import default_provider, get_provider
from civicard.territory.models import Commune
from civicard.wallets.forms import CounterTopUpForm
from civicard.wallets.models import Service

# Families ---------------------------------------------------------------------------------------


@resident_required
def family(request):
    now = clock.now()
    today = operations.local_day(now)
    # A child may live in two households (each parent's): both see what the child attends;
    # an enrolment's contract, documents and absences are its own household's.
    own = set(operations.guarded_by(request.resident).values_list("pk", flat=True))

    def row(enrolment):
        mine = enrolment.household_id in own
        return enrolment, mine, mine and queries.contract_of(enrolment, today, now=now)

    children = [(child, [row(enrolment) for enrolment in queries.enrolments_of(child)])
                for child in queries.children_of(request.resident)]
    return render(request, "childhood/family.html", {
        "children": children, "accounts": queries.household_balances(request.resident)})


def _id(value) -> int:
    """A database key from a form field; 0 (found nowhere) when it is not one."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 1 <= number < 2**63 else 0


def _child(request, pk):
    child = queries.child_of(request.resident, pk)
    if child is None:
        raise Http404
    return child


def _monday(text: str | None, today: date) -> date:
    try:
        return queries.monday_of(date.fromisoformat(text or ""))
    except ValueError:
        return queries.monday_of(today)


@resident_required
def week(request, pk):
    child = _child(request, pk)
    now = clock.now()
    monday = _monday(request.GET.get("week"), operations.local_day(now))
    return render(request, "childhood/week.html", {
        "child": child, "monday": monday, "weeks": queries.child_week(child, monday, now),
        "previous": monday - timedelta(days=7), "next": monday + timedelta(days=7)})


@require_POST
@resident_required
def book(request, pk):
    child = _child(request, pk)
    unit_day = get_object_or_404(UnitDay.objects.select_related("unit__activity"),
                                 pk=_id(request.POST.get("unit_day")))
    change = operations.reserve if request.POST.get("action") == "book" else operations.cancel
    try:
        change(child=child, unit=unit_day.unit, day=unit_day.day, actor=request.user,
               at=clock.now())
    except DomainError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, _("Saved: %(unit)s on %(day)s.") % {
            "unit": unit_day.unit.name, "day": date_format(unit_day.day, "MONTH_DAY_FORMAT")})
    return redirect(f"{reverse('childhood:week', args=[child.pk])}?week={unit_day.day}")


@resident_required
def enrol(request, pk):
    child = _child(request, pk)
    now = clock.now()
    form = EnrolForm(request.POST or None,
                     activities=queries.open_activities(operations.local_day(now)))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enrolment = operations.enrol_child(
                activity=data["activity"], child=child, actor=request.user, at=now,
                allergies=data["allergies"], care_plan=data["care_plan"],
                authorised_pickup=data["authorised_pickup"],
                photo_consent=data["photo_consent"])
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("%(child)s is enrolled.") % {"child": child.display_name}
                             if enrolment.status == "active" else
                             _("%(child)s is on the waiting list. We will tell you when a place "
                               "is free.") % {"child": child.display_name})
            return redirect("childhood:family")
    return render(request, "childhood/enrol.html", {"child": child, "form": form})


def nursery_rate(request):
    form = NurseryRateForm(request.GET or None)
    rate = None
    if form.is_valid():
        on = operations.local_day(clock.now())
        rate = pricing.nursery_rate(
            monthly_resources_cents=int(form.cleaned_data["monthly_resources"] * 100),
            children=form.cleaned_data["children"],
            disabled_child=form.cleaned_data["disabled_child"], on=on,
            floor_cents=queries.nursery_floor(None, on))
    return render(request, "childhood/nursery_rate.html", {"form": form, "rate": rate})


# Staff ------------------------------------------------------------------------------------------

STAFF = operations.STAFF_ROLES


@role_required(*STAFF)
def staff(request):
    today = operations.local_day(clock.now())
    day = _day(request.GET.get("day"), today)
    activities = [(activity, queries.head_counts(activity, day))
                  for activity in queries.staff_activities(request.user)]
    return render(request, "childhood/staff.html", {
        "activities": activities, "day": day, "unpaid": queries.unpaid_statements(request.user),
        "can_manage": holds_role(request.user, Role.SERVICE_MANAGER)})


def _day(text, default: date) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return default


def _unit_day(request, pk) -> UnitDay:
    unit_day = get_object_or_404(UnitDay.objects.select_related("unit__activity"), pk=pk)
    if not queries.staff_activities(request.user).filter(pk=unit_day.unit.activity_id).exists():
        raise PermissionRefused()
    return unit_day


@role_required(*STAFF)
def roll_call(request, pk):
    unit_day = _unit_day(request, pk)
    if request.method == "POST":
        try:
            operations.mark(unit_day=unit_day, child=get_object_or_404(
                Person, pk=_id(request.POST.get("child"))),
                mark=request.POST.get("mark", ""), at=clock.now(), actor=request.user)
        except DomainError as error:
            messages.error(request, error.text())
        return redirect("childhood:roll_call", pk=unit_day.pk)
    return render(request, "childhood/roll_call.html", {
        "unit_day": unit_day,
        "entries": queries.day_list(unit_day, reader=request.user, at=clock.now())})


@require_POST
@role_required(*STAFF)
def roll_call_marks(request, pk):
    """Marks the roll-call page kept while offline, sent as JSON when back online."""
    unit_day = _unit_day(request, pk)
    try:
        events = json.loads(request.body)["events"]
        if not isinstance(events, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return JsonResponse(InvalidInput().as_dict(), status=422)
    now = clock.now()
    checked = [_staff_mark(event, now) for event in events]
    recorded = iter(operations.record_marks(
        scope=f"childhood.user:{request.user.pk}", unit=unit_day.unit, day=unit_day.day,
        now=now, actor=request.user, marks=[c for c in checked if isinstance(c, dict)]))
    results = [c if not isinstance(c, dict) else next(recorded) for c in checked]
    return JsonResponse({"results": [r.__dict__ for r in results]})


def _staff_mark(event, now: datetime) -> dict | operations.MarkResult:
    """A mark of the offline roll-call page as record_mark takes it, or its refusal."""
    key = event.get("idempotency_key") if isinstance(event, dict) else None
    invalid = InvalidInput().text()
    if not isinstance(key, str) or has_control_characters(key):
        return operations.MarkResult("", "rejected", "event_invalid", invalid)
    try:
        at = datetime.fromisoformat(event["at"])
        if at.tzinfo is None or not EARLIEST <= at <= now + LATEST_AHEAD:
            raise ValueError
    except (KeyError, TypeError, ValueError):
        return operations.MarkResult(key, "rejected", "at_invalid", _(
            "The time of this mark is not possible: check the date and time of this phone "
            "or tablet."))
    child, mark = event.get("child"), event.get("mark")
    if not isinstance(child, int) or _id(child) != child or not isinstance(mark, str):
        return operations.MarkResult(key, "rejected", "event_invalid", invalid)
    return {"idempotency_key": key, "child_id": child, "mark_name": mark, "at": at}


@role_required(*STAFF)
def activity(request, pk):
    activity = get_object_or_404(queries.staff_activities(request.user), pk=pk)
    now = clock.now()
    form = MonthForm(request.POST or request.GET or None)
    month = form.cleaned_data["month"] if form.is_valid() else \
        (operations.local_day(now).replace(day=1) - timedelta(days=1)).replace(day=1)
    if request.method == "POST" and form.is_valid():
        try:
            operations.close_month(activity=activity, month=month, actor=request.user, at=now)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("The month is closed and billed."))
            return redirect(f"{reverse('childhood:activity', args=[activity.pk])}"
                            f"?month={month:%Y-%m}")
    return render(request, "childhood/activity.html", {
        "activity": activity, "form": form, "month": month,
        "report": queries.attendance_report(activity, month),
        "period": activity.periods.filter(month=month).first(),
        "waiting": activity.enrolments.filter(status="waiting").select_related("child"),
        "enrolled": activity.enrolments.filter(status="active").select_related("child"),
        "absences": queries.pending_absences(activity)})


@require_POST
@role_required(*STAFF)
def charge_again(request, pk):
    statement = get_object_or_404(queries.unpaid_statements(request.user), pk=pk)
    operations.charge_again(statement=statement, actor=request.user, at=clock.now())
    statement.refresh_from_db()
    if statement.entry_id:
        messages.success(request, _("The amount was charged."))
    else:
        messages.error(request, _("The balance is still too low."))
    return redirect("childhood:staff")



# Invoices ---------------------------------------------------------------------------------------

@resident_required
def my_invoices(request):
    return render(request, "childhood/invoices.html", {
        "invoices": queries.invoices_with_lines(request.resident),
        "online": default_provider() is not None})


def _invoice_pdf(request, invoice: Invoice):
    queries.name_guardians([invoice.household])
    context = {"invoice": invoice, "lines": queries.invoice_lines(invoice),
               "credit_notes": invoice.credit_notes.all(),
               "activity": invoice.activity, "month": invoice.month}
    return pdf_response("childhood/invoice_pdf.html", context,
                        f"invoice-{invoice.number}.pdf", request)


@resident_required
def my_invoice_pdf(request, pk):
    """The invoice in the reader's language, dates and amounts written their way."""
    return _invoice_pdf(request, get_object_or_404(queries.invoices_of(request.resident),
                                                   pk=pk))


@require_POST
@resident_required
def pay_invoice(request, pk):
    invoice = get_object_or_404(queries.invoices_of(request.resident), pk=pk)
    provider_name = default_provider()
    try:
        if provider_name is None:
            raise PermissionRefused()
        payment = invoices.start_online_payment(invoice=invoice, provider=provider_name,
                                                actor=request.user, at=clock.now())
        url = get_provider(provider_name).start(
            payment, return_url=request.build_absolute_uri(reverse("childhood:my_invoices")),
            notify_url=request.build_absolute_uri(
                reverse("wallets:payment_notify", args=[provider_name])))
    except DomainError as error:
        messages.error(request, error.text())
        return redirect("childhood:my_invoices")
    return redirect(url)


INVOICE_STAFF = (Role.COUNTER_AGENT, Role.SERVICE_MANAGER)


@role_required(*INVOICE_STAFF)
def staff_invoices(request):
    invoices_list = queries.staff_invoices(request.user)
    status = request.GET.get("status", "")
    if status in dict(Invoice._meta.get_field("status").choices):
        invoices_list = invoices_list.filter(status=status)
    invoices_list = list(invoices_list[:200])
    queries.name_guardians(invoice.household for invoice in invoices_list)
    return render(request, "childhood/staff_invoices.html", {
        "invoices": invoices_list, "status": status,
        "statuses": Invoice._meta.get_field("status").choices,
        "unpaid": queries.unpaid_households(request.user),
        "payments": queries.invoice_payments(request.user)})


def _staff_invoice(request, pk) -> Invoice:
    return get_object_or_404(queries.staff_invoices(request.user), pk=pk)


@role_required(*INVOICE_STAFF)
def staff_invoice(request, pk):
    invoice = _staff_invoice(request, pk)
    lines = queries.invoice_lines(invoice)
    pay_form = CounterTopUpForm(request.POST if request.POST.get("form") == "pay" else None)
    note_form = CreditNoteForm(request.POST if request.POST.get("form") == "credit" else None,
                               lines=[(line.ref, line.choice_label(invoice.currency))
                                      for line in lines if line.creditable_cents])
    limit_form = DebtLimitForm(request.POST if request.POST.get("form") == "limit" else None)
    now = clock.now()
    if request.method == "POST":
        try:
            if pay_form.is_bound and pay_form.is_valid():
                data = pay_form.cleaned_data
                invoices.pay_at_counter(invoice=invoice, amount_cents=data["amount"],
                                        means=data["means"], request_key=data["request_key"],
                                        actor=request.user, at=now)
                messages.success(request, _("The payment was recorded."))
                return redirect("childhood:staff_invoice", pk=pk)
            if note_form.is_bound and note_form.is_valid():
                data = note_form.cleaned_data
                note = invoices.credit(invoice=invoice, reason=data["reason"],
                                       lines=data["lines"], amount_cents=data["amount"],
                                       actor=request.user, at=now)
                messages.success(request, _("Credit note %(number)s is issued.")
                                 % {"number": note.number})
                return redirect("childhood:staff_invoice", pk=pk)
            if limit_form.is_bound and limit_form.is_valid():
                operations.set_debt_limit(household=invoice.household,
                                          limit_cents=limit_form.cleaned_data["limit"],
                                          actor=request.user, at=now)
                messages.success(request, _("The household's limit was saved."))
                return redirect("childhood:staff_invoice", pk=pk)
        except DomainError as error:
            bound = next(f for f in (pay_form, note_form, limit_form) if f.is_bound)
            form_error(bound, error)
    is_manager = holds_role(request.user, Role.SERVICE_MANAGER,
                            commune_id=invoice.activity.commune_id)
    queries.name_guardians([invoice.household])
    return render(request, "childhood/staff_invoice.html", {
        "invoice": invoice, "lines": lines, "credit_notes": invoice.credit_notes.all(),
        "payments": invoice.payments.select_related("actor"),
        "pay_form": pay_form, "note_form": note_form, "limit_form": limit_form,
        "is_agent": holds_role(request.user, Role.COUNTER_AGENT,
                               commune_id=invoice.household.commune_id),
        "is_manager": is_manager},
        status=422 if request.method == "POST" else 200)


@role_required(*INVOICE_STAFF)
def staff_invoice_pdf(request, pk):
    """The invoice as the family reads it: in their language."""
    invoice = _staff_invoice(request, pk)
    with translation.override(queries.family_language(invoice.household) or None):
        return _invoice_pdf(request, invoice)


# Nursery contracts, documents and absences ----------------------------------------------------

def _terms(data) -> operations.ContractTerms:
    return operations.ContractTerms(
        starts_on=data["starts_on"], ends_on=data["ends_on"], schedule=data["schedule"],
        closure_weeks=data["closure_weeks"], holiday_weeks=data["holiday_weeks"],
        monthly_resources_cents=int(data["monthly_resources"] * 100),
        dependent_children=data["dependent_children"], disabled_child=data["disabled_child"])


@resident_required
def enrolment(request, pk):
    """A child's enrolment for the family: the contract and the month's amount, the attached
    documents, and absences to justify."""
    enrolment = queries.enrolment_of(request.resident, pk)
    if enrolment is None:
        raise Http404
    now = clock.now()
    document_form, absence_form = DocumentForm(), AbsenceForm()
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if request.POST.get("form") == "absence":
                absence_form = AbsenceForm(request.POST, request.FILES)
                if absence_form.is_valid():
                    data = absence_form.cleaned_data
                    operations.declare_absence(
                        enrolment=enrolment, reason=data["reason"], starts_on=data["starts_on"],
                        ends_on=data["ends_on"], upload=upload, actor=request.user, at=now)
                    messages.success(request, _("The absence is sent to the staff."))
                    return redirect("childhood:enrolment", pk=enrolment.pk)
            else:
                document_form = DocumentForm(request.POST, request.FILES)
                if document_form.is_valid():
                    operations.upload_document(
                        enrolment=enrolment, kind=document_form.cleaned_data["kind"],
                        upload=upload, actor=request.user, at=now)
                    messages.success(request, _("The document is saved."))
                    return redirect("childhood:enrolment", pk=enrolment.pk)
        except DomainError as error:
            form_error(absence_form if request.POST.get("form") == "absence" else document_form,
                       error)
    return render(request, "childhood/enrolment.html", {
        "enrolment": enrolment, "document_form": document_form, "absence_form": absence_form,
        "summary": queries.contract_of(enrolment, operations.local_day(now), now=now),
        "ends": queries.contract_ends(enrolment),
        "documents": queries.documents_of(enrolment),
        "absences": queries.absences_of(enrolment)})


@login_required
def document(request, pk):
    """A document's file for a guardian of the child or the activity's staff, never cached."""
    document = get_object_or_404(Document.objects.select_related("enrolment__activity"), pk=pk)
    try:
        file = operations.read_document(document=document, reader=request.user, at=clock.now())
    except PermissionRefused:
        raise Http404 from None
    except DomainError as error:
        return render(request, "error.html", {"status": error.http_status, "error": error},
                      status=error.http_status)
    response = FileResponse(file, content_type=document.content_type,
                            filename=f"{document.kind}{_EXTENSIONS[document.content_type]}")
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox"
    return response


_EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png",
               "image/webp": ".webp"}


@require_POST
@login_required
def charge_term(request, pk):
    """Charge again a term of lessons the wallet refused: the activity's staff, or a guardian
    from their page once they topped up; back to the page the form was on."""
    enrolment = get_object_or_404(ChildEnrolment.objects.select_related("activity__service"),
                                  pk=pk)
    try:
        operations.charge_term_again(enrolment=enrolment, actor=request.user, at=clock.now())
    except NotAChildOfTheHousehold as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The term is charged to the prepaid account."))
    if operations.is_staff_for(request.user, enrolment.activity):
        return redirect("childhood:staff_enrolment", pk=enrolment.pk)
    return redirect("childhood:enrolment", pk=enrolment.pk)


def _staff_enrolment(request, pk):
    enrolment = queries.staff_enrolment(request.user, pk)
    if enrolment is None:
        raise Http404
    return enrolment


@role_required(*STAFF)
def staff_enrolment(request, pk):
    """An enrolment for the activity's staff: health sheet, documents, absences to decide,
    nursery contracts."""
    enrolment = _staff_enrolment(request, pk)
    now = clock.now()
    form = AbsenceForm(request.POST or None, request.FILES or None, staff=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            operations.declare_absence(
                enrolment=enrolment, reason=data["reason"], starts_on=data["starts_on"],
                ends_on=data["ends_on"], upload=request.FILES.get("file"), actor=request.user,
                at=now)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("The absence is recorded."))
            return redirect("childhood:staff_enrolment", pk=enrolment.pk)
    return render(request, "childhood/staff_enrolment.html", {
        "enrolment": enrolment, "form": form,
        "summary": queries.contract_of(enrolment, operations.local_day(now), now=now),
        "contracts": queries.contracts_of(enrolment),
        "ends": queries.contract_ends(enrolment),
        "documents": queries.documents_of(enrolment),
        "absences": queries.absences_of(enrolment)})


@require_POST
@role_required(*STAFF)
def decide_absence(request, pk):
    absence = get_object_or_404(Absence.objects.select_related("enrolment__activity"), pk=pk)
    enrolment = _staff_enrolment(request, absence.enrolment_id)
    try:
        operations.decide_absence(absence=absence, accept=request.POST.get("decision") == "accept",
                                  actor=request.user, at=clock.now())
    except DomainError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, _("The decision is saved."))
    return redirect("childhood:staff_enrolment", pk=enrolment.pk)


@role_required(Role.SERVICE_MANAGER)
def contract_new(request, pk):
    enrolment = _staff_enrolment(request, pk)
    form = ContractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            operations.create_contract(enrolment=enrolment, terms=_terms(form.cleaned_data),
                                       actor=request.user, at=clock.now())
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("The contract is saved."))
            return redirect("childhood:staff_enrolment", pk=enrolment.pk)
    return render(request, "childhood/contract_form.html", {
        "enrolment": enrolment, "form": form, "contract": None})


@role_required(Role.SERVICE_MANAGER)
def contract_change(request, pk):
    contract = get_object_or_404(NurseryContract.objects.prefetch_related("days"), pk=pk)
    enrolment = _staff_enrolment(request, contract.enrolment_id)
    initial = ContractForm.initial_from(contract)
    first = operations.first_changeable_day(enrolment.activity)
    if first is not None:  # a change starts after the last closed month
        initial["starts_on"] = min(max(contract.starts_on, first), contract.ends_on)
    form = ContractForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            operations.change_contract(contract=contract, terms=_terms(form.cleaned_data),
                                       actor=request.user, at=clock.now())
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("The contract is changed."))
            return redirect("childhood:staff_enrolment", pk=enrolment.pk)
    return render(request, "childhood/contract_form.html", {
        "enrolment": enrolment, "form": form, "contract": contract})


# Activity set-up and the kitchen --------------------------------------------------------------

def _managed_communes(user):
    communes = role_communes(user, Role.SERVICE_MANAGER)
    return Commune.objects.all() if communes is None else Commune.objects.filter(pk__in=communes)


@role_required(Role.SERVICE_MANAGER)
def activity_setup(request, pk=None):
    """An activity's season and rules, its units and prices, and its opening days."""
    activity = None if pk is None else get_object_or_404(
        queries.staff_activities(request.user), pk=pk)
    now = clock.now()
    form = ActivityForm(request.POST if request.POST.get("form") == "activity" else None,
                        instance=activity, services=Service.objects.order_by("name"),
                        communes=_managed_communes(request.user))
    forms_ = {}
    if activity is not None:
        posted = request.POST.get("form")
        forms_ = {
            "unit": UnitForm(request.POST if posted == "unit" else None, activity=activity),
            "price": PriceForm(request.POST if posted == "price" else None, activity=activity),
            "days": SeasonDaysForm(request.POST if posted == "days" else None,
                                   request.FILES if posted == "days" else None),
        }
    bound = form if form.is_bound else next((f for f in forms_.values() if f.is_bound), None)
    if bound is not None and bound.is_valid():
        data = bound.cleaned_data
        try:
            if bound is form:
                activity = operations.save_activity(
                    activity=activity, fields={n: data[n] for n in operations.ACTIVITY_FIELDS},
                    actor=request.user, at=now)
                messages.success(request, _("The activity is saved."))
            elif bound is forms_["unit"]:
                operations.add_unit(activity=activity, actor=request.user, at=now, **data)
                messages.success(request, _("The unit is added."))
            elif bound is forms_["price"]:
                operations.add_price(unit=data.pop("unit"), fields=data, actor=request.user,
                                     at=now)
                messages.success(request, _("The price is added."))
            else:
                holidays = data["holidays"]
                opened = operations.open_season(
                    activity=activity, weekdays=data["weekdays"], actor=request.user, at=now,
                    holidays_csv=holidays.read(1_000_000).decode("utf-8-sig", "replace")
                    if holidays else "")
                messages.success(request, _("Days opened: %(count)s.") % {"count": opened})
        except DomainError as error:
            form_error(bound, error)
        else:
            return redirect("childhood:activity_setup", pk=activity.pk)
    return render(request, "childhood/setup.html", {
        "activity": activity, "form": form, **{f"{k}_form": v for k, v in forms_.items()},
        "units": [] if activity is None else activity.units.prefetch_related(
            "prices__income_bracket", "incompatible")})


@role_required(*STAFF)
def kitchen(request):
    """The canteens' meal counts for the kitchen (by 9:30), with allergies and care plans."""
    now = clock.now()
    day = _day(request.GET.get("day"), operations.local_day(now))
    return render(request, "childhood/kitchen.html", {
        "day": day, "at": now, "counts": queries.kitchen_counts(request.user, day, at=now)})
