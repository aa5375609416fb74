from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from civicard.core import clock, spreadsheets
from civicard.core.errors import DomainError
from civicard.core.pdf import pdf_response
from civicard.core.permissions import (
    Role,
    check_role_over,
    role_communes,
    role_required,
)
from civicard.people.queries import household_for_agent
from civicard.people.views import form_error, resident_required
from civicard.providers.payments import DummyProvider, default_provider, get_provider
from civicard.territory.queries import current_territory
from civicard.wallets import operations, queries
from civicard.wallets.forms import (
    CashReportForm,
    CounterTopUpForm,
    EnrolmentForm,
    OnlineTopUpForm,
    RefundForm,
    ServiceForm,
    TariffForm,
    TransferForm,
)
from civicard.wallets.labels import Label
from civicard.wallets.models import Account, LedgerEntry, Means, OnlinePayment, Service

# Resident --------------------------------------------------------------------------------------

@resident_required
def my_services(request):
    accounts = list(queries.accounts_of(request.resident))
    for account in accounts:
        account.recent = queries.last_entries(account)
    today = clock.today()
    last = today.replace(day=1) - timedelta(days=1)
    return render(request, "wallets/my_services.html",
                  {"accounts": accounts, "year": today.year, "month": today.month,
                   "last_year": last.year, "last_month": last.month,
                   "online_top_up": default_provider() is not None})


@resident_required
def top_up_online(request, pk):
    account = queries.account_for_member(request.resident, pk)
    provider_name = default_provider()
    if provider_name is None:
        return render(request, "wallets/top_up.html", {"account": account, "form": None})
    form = OnlineTopUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            payment = operations.start_online_payment(
                account=account, amount_cents=form.cleaned_data["amount"],
                provider=provider_name, actor=request.user, at=clock.now())
            provider = get_provider(provider_name)
            url = provider.start(
                payment,
                return_url=request.build_absolute_uri(
                    reverse("wallets:payment_return", args=[payment.reference])),
                notify_url=request.build_absolute_uri(
                    reverse("wallets:payment_notify", args=[provider_name])))
        except DomainError as error:
            form_error(form, error)
        else:
            return redirect(url)
    return render(request, "wallets/top_up.html", {"form": form, "account": account})


@resident_required
def payment_return(request, reference):
    """Where the bank sends the browser back. It never credits: the notice does."""
    payment = get_object_or_404(OnlinePayment.objects.select_related("account__service"),
                                reference=reference,
                                account__in=queries.accounts_of(request.resident))
    return render(request, "wallets/payment_return.html", {"payment": payment})


@resident_required
def statement(request, pk, year, month, fmt):
    account = queries.account_for_member(request.resident, pk)
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        return render(request, "error.html", {"status": 404}, status=404)
    data = queries.statement(account, year, month)
    filename = f"civicard-{account.service.slug}-{year}-{month:02d}"
    if fmt == "csv":
        # Written the reader's way, as the PDF (a spreadsheet set to their language reads it).
        return spreadsheets.csv_response(f"{filename}.csv", spreadsheets.csv_lines(
            [_("Date"), _("Movement"), _("Reason"), _("Amount"), _("Balance")],
            ([date_format(timezone.localtime(entry.at), "SHORT_DATETIME_FORMAT"),
              entry.get_kind_display(), entry.label,
              number_format(Decimal(entry.amount_cents) / 100, decimal_pos=2),
              number_format(Decimal(entry.balance_after_cents) / 100, decimal_pos=2)]
             for entry in data.entries)))
    return pdf_response("wallets/statement_pdf.html", {"s": data, "account": account},
                        f"{filename}.pdf", request)


# Dummy bank and provider notices -----------------------------------------------------------

@resident_required
def dummy_bank(request, reference):
    """The dummy provider's payment page: the payer's household (or the agent helping them)
    chooses to pay or cancel; anyone else, and every visitor where the dummy bank is off,
    gets "not found"."""
    get_provider(DummyProvider.name)
    payment = get_object_or_404(OnlinePayment.objects.select_related("account__service"),
                                reference=reference, provider=DummyProvider.name,
                                account__in=queries.accounts_of(request.resident))
    if request.method == "POST":
        paid = request.POST.get("choice") == "pay"
        notice = DummyProvider.notice_for(payment, paid=paid)
        if request.POST.get("notify", "1") == "1":
            _handle_notice(DummyProvider.name, notice)
        back = request.GET.get("return", "")
        if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
            return redirect(back)
        return redirect("wallets:payment_return", reference=reference)
    return render(request, "wallets/dummy_bank.html", {"payment": payment})


def _handle_notice(provider_name: str, data: dict):
    provider = get_provider(provider_name)
    notice = provider.parse_notification(data)
    return operations.settle_online_payment(
        provider=provider_name, reference=notice.reference, paid=notice.paid,
        amount_cents=notice.amount_cents, currency=notice.currency, at=clock.now())


@csrf_exempt
@require_POST
def payment_notify(request, provider):
    """Server-to-server notice from a provider: answers JSON, never a 500."""
    try:
        payment = _handle_notice(provider, request.POST.dict())
    except DomainError as error:
        return JsonResponse(error.as_dict(), status=error.http_status)
    return JsonResponse({"code": "ok", "reference": payment.reference,
                         "status": payment.status})


# Counter ---------------------------------------------------------------------------------------

def _counter_context(request, household, **forms):
    accounts = list(Account.objects.filter(household=household).select_related("service")
                    .order_by("service__name"))
    for account in accounts:
        account.recent = queries.last_entries(account, 3)
    context = {"household": household, "accounts": accounts,
               "top_up_form": CounterTopUpForm(), "refund_form": RefundForm(),
               "transfer_form": TransferForm(targets=accounts)}
    context.update(forms)
    return context


@role_required(Role.COUNTER_AGENT, Role.SERVICE_MANAGER)
def counter_wallets(request, pk):
    household = household_for_agent(request.user, pk)
    context = _counter_context(request, household)
    receipt_pk = request.GET.get("receipt", "")
    context["receipt"] = int(receipt_pk) if receipt_pk.isdigit() else None
    return render(request, "wallets/counter_wallets.html", context)


def _counter_action(request, pk, form_class, run, form_name, success):
    account = queries.account_for_agent(request.user, pk)
    household = account.household
    kwargs = {"targets": Account.objects.filter(household=household).exclude(pk=account.pk)
              .select_related("service")} if form_class is TransferForm else {}
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        try:
            entry = run(account, form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, success)
            url = reverse("wallets:counter_wallets", args=[household.pk])
            if form_class is CounterTopUpForm:
                url += f"?receipt={entry.pk}"
            return redirect(url)
    context = _counter_context(request, household_for_agent(request.user, household.pk),
                               **{form_name: form})
    context["form_account"] = account.pk
    return render(request, "wallets/counter_wallets.html", context, status=422)


@require_POST
@role_required(Role.COUNTER_AGENT)
def counter_top_up(request, pk):
    def run(account, data):
        return operations.top_up(account=account, amount_cents=data["amount"],
                                 means=data["means"], reason=Label("counter_top_up"),
                                 idempotency_key=f"counter:{data['request_key']}",
                                 actor=request.user, at=clock.now())
    return _counter_action(request, pk, CounterTopUpForm, run, "top_up_form",
                           _("The account was topped up."))


@require_POST
@role_required(Role.COUNTER_AGENT)
def counter_refund(request, pk):
    def run(account, data):
        return operations.refund(account=account, amount_cents=data["amount"],
                                 reason=data["reason"],
                                 idempotency_key=f"refund:{data['request_key']}",
                                 actor=request.user, at=clock.now())
    return _counter_action(request, pk, RefundForm, run, "refund_form",
                           _("The refund was recorded."))


@require_POST
@role_required(Role.COUNTER_AGENT)
def counter_transfer(request, pk):
    def run(account, data):
        target = queries.account_for_agent(request.user, data["target"])
        operations.transfer(source=account, target=target, amount_cents=data["amount"],
                            reason=data["reason"],
                            idempotency_key=f"transfer:{data['request_key']}",
                            actor=request.user, at=clock.now())
    return _counter_action(request, pk, TransferForm, run, "transfer_form",
                           _("The money was transferred."))


@role_required(Role.COUNTER_AGENT)
def receipt(request, pk):
    entry = get_object_or_404(LedgerEntry.objects.select_related("account__service",
                                                                 "account__household", "actor"),
                              pk=pk, kind="top_up")
    queries.account_for_agent(request.user, entry.account_id)
    return pdf_response("wallets/receipt_pdf.html", {"entry": entry,
                                                     "territory": current_territory()},
                        f"civicard-receipt-{entry.pk}.pdf", request)


@role_required(Role.COUNTER_AGENT)
def cash_report(request):
    form = CashReportForm(request.GET or {"day": clock.today().isoformat()})
    rows, day = [], None
    if form.is_valid():
        day = form.cleaned_data["day"]
        rows = [{**row, "means": Means(row["means"]).label}
                for row in queries.cash_report(agent=request.user, day=day)]
    total = sum(r["total"] for r in rows)
    return render(request, "wallets/cash_report.html",
                  {"form": form, "rows": rows, "day": day, "total": total})


# Service manager -----------------------------------------------------------------------------

@role_required(Role.SERVICE_MANAGER)
def manage_services(request):
    services = Service.objects.filter(territory=current_territory()).select_related("commune")
    communes = role_communes(request.user, Role.SERVICE_MANAGER)
    if communes is not None:  # a manager of some communes: their services only (decision 0010)
        services = services.filter(commune__in=communes)
    return render(request, "wallets/manage_services.html", {"services": services})


@role_required(Role.SERVICE_MANAGER)
def manage_service(request, pk):
    service = get_object_or_404(Service, pk=pk)
    check_role_over(request.user, Role.SERVICE_MANAGER, commune_id=service.commune_id)
    territory = service.territory
    form = ServiceForm(request.POST if request.POST.get("form") == "service" else None,
                       instance=service)
    tariff_form = TariffForm(request.POST if request.POST.get("form") == "tariff" else None,
                             territory=territory)
    enrol_form = EnrolmentForm(request.POST if request.POST.get("form") == "enrol" else None)
    now = clock.now()
    if request.method == "POST":
        try:
            if form.is_bound and form.is_valid():
                operations.save_service(service=form.instance, actor=request.user, at=now)
                messages.success(request, _("The service was saved."))
                return redirect("wallets:manage_service", pk=pk)
            if tariff_form.is_bound and tariff_form.is_valid():
                data = tariff_form.cleaned_data
                operations.add_tariff(service=service, use=data["use"],
                                      income_bracket=data["income_bracket"],
                                      resident=data["resident"], amount_cents=data["amount"],
                                      valid_from=data["valid_from"], actor=request.user, at=now)
                messages.success(request, _("The tariff was added."))
                return redirect("wallets:manage_service", pk=pk)
            if enrol_form.is_bound and enrol_form.is_valid():
                data = enrol_form.cleaned_data
                household = household_for_agent(request.user, data["household"])
                operations.enrol(service=service, household=household,
                                 starts_on=data["starts_on"], ends_on=data["ends_on"],
                                 min_age=data["min_age"], max_age=data["max_age"],
                                 actor=request.user, at=now)
                messages.success(request, _("The household was enrolled."))
                return redirect("wallets:manage_service", pk=pk)
        except DomainError as error:
            target = form if form.is_bound else tariff_form if tariff_form.is_bound else enrol_form
            form_error(target, error)
    accounts, totals = queries.balances_report(service)
    return render(request, "wallets/manage_service.html", {
        "service": service, "form": form, "tariff_form": tariff_form, "enrol_form": enrol_form,
        "tariffs": service.tariffs.select_related("income_bracket").order_by("use",
                                                                             "-valid_from"),
        "enrolments": service.enrolments.select_related("household", "person")
        .order_by("-starts_on")[:20],
        "negative": accounts.filter(balance_cents__lt=0)[:50], "totals": totals,
        "today": clock.today(),
    })
