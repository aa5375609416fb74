"""Invoices of the activities billed by invoice: issued when a month is closed (or, for a
term of lessons, when the child gets a place), numbered without gap per territory and year,
paid online or at the counter, cancelled by a credit note; never edited, never deleted.

Money paid on an invoice takes the one money path: it comes into the household's wallet for
the activity's service (a top-up by its means: cash, cheque, card, online) and goes at once to
the invoice (a charge, "Paid on invoice 2026-000123"), so the ledger holds every cent and the
wallet's balance is where it was. A credit note gives back what was paid as a refund; the
same numbered credit notes correct a month charged to the wallet (an absence accepted after
the closing: `credit_absence`).

Lock order, everywhere: the wallet account, then the invoice (a provider's notice locks the
account before it reaches the invoice); on a wallet month, the statement, then the account."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicard.childhood.exceptions import (
    AmountAboveDue,
    CreditAboveInvoice,
    InvoiceAlreadyCancelled,
    NothingDue,
)
from civicard.childhood.models import (
    BilledLine,
    ContractLine,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceCounter,
    InvoiceOnlinePayment,
    InvoicePayment,
    InvoiceStatus,
    NumberSeries,
    PaymentAllocation,
    Statement,
    TermCharge,
)
from civicard.core import audit
from civicard.core.errors import DomainError, InvalidInput
from civicard.core.money import format_cents
from civicard.core.permissions import Role, check_role, check_role_over
from civicard.wallets import operations as wallets
from civicard.wallets.labels import Label
from civicard.wallets.models import Account, Means, OnlinePayment

COUNTER_MEANS = (Means.CASH, Means.CHEQUE, Means.BANK_CARD)


def take_numbers(*, territory_id: int, series: str, year: int, count: int) -> int:
    """Reserve `count` consecutive numbers of a series in the caller's transaction and return
    the first. The counter's row stays locked until that transaction ends, and a rollback
    gives the numbers back: the series never has a gap."""
    with transaction.atomic():  # a savepoint: two first invoices of a year meet at the key
        InvoiceCounter.objects.get_or_create(territory_id=territory_id, series=series,
                                             year=year)
    counter = InvoiceCounter.objects.select_for_update().get(
        territory_id=territory_id, series=series, year=year)
    first = counter.last + 1
    counter.last = F("last") + count
    counter.save(update_fields=["last"])
    return first


def issue(*, statements: list[Statement], territory_id: int, currency: str,
          at: datetime) -> list[Invoice]:
    """An invoice for each statement with something to pay, in the closing's transaction,
    numbered in the statements' order (households by key)."""
    owing = [s for s in statements if s.total_cents > 0]
    if not owing:
        return []
    year = timezone.localtime(at).year
    first = take_numbers(territory_id=territory_id, series=NumberSeries.INVOICE, year=year,
                         count=len(owing))
    return Invoice.objects.bulk_create([
        Invoice(statement=statement, household_id=statement.household_id,
                territory_id=territory_id, year=year, sequence=first + offset, issued_at=at,
                total_cents=statement.total_cents, currency=currency)
        for offset, statement in enumerate(owing)], batch_size=2000)


def issue_term(*, term: TermCharge, activity, at: datetime) -> Invoice:
    """The invoice of a term of lessons, its one line the term, in the caller's transaction
    (which holds the activity's lock), numbered in the monthly invoices' series."""
    year = timezone.localtime(at).year
    sequence = take_numbers(territory_id=activity.territory_id, series=NumberSeries.INVOICE,
                            year=year, count=1)
    return Invoice.objects.create(term=term, household_id=term.enrolment.household_id,
                                  territory_id=activity.territory_id, year=year,
                                  sequence=sequence, issued_at=at,
                                  total_cents=term.amount_cents,
                                  currency=activity.territory.currency)


def _locked_account(invoice: Invoice, at: datetime) -> Account:
    service = invoice.activity.service
    account = wallets.open_account(household=invoice.household, service=service, at=at)
    return Account.objects.select_for_update().select_related("service").get(pk=account.pk)


def _locked(invoice: Invoice) -> Invoice:
    return (Invoice.objects.select_for_update(of=("self",))
            .select_related("household", "statement__period__activity__service",
                            "term__enrolment__activity__service")
            .get(pk=invoice.pk))


def _allocate(payment: InvoicePayment, invoice: Invoice) -> None:
    """Give the payment to the lines still unpaid: the reserved days, the oldest first, then
    the nursery contract's lines (monthly amount, then hours beyond it); a line's credited part
    takes no payment. A term's invoice has one line, the term."""
    left = payment.amount_cents
    if invoice.term_id:
        PaymentAllocation.objects.create(payment=payment, term_id=invoice.term_id,
                                         amount_cents=left)
        return
    days = list(BilledLine.objects.filter(statement_id=invoice.statement_id)
                .order_by("reservation__unit_day__day", "reservation__child_id", "pk"))
    months = sorted(ContractLine.objects.filter(statement_id=invoice.statement_id,
                                                amount_cents__gt=0),
                    key=lambda line: (line.contract_id, line.kind != "monthly", line.pk))
    taken = defaultdict(int)
    for allocation in PaymentAllocation.objects.filter(payment__invoice=invoice):
        taken[("b", allocation.line_id) if allocation.line_id
              else ("c", allocation.contract_line_id)] += allocation.amount_cents
    for credit in CreditNoteLine.objects.filter(credit_note__invoice=invoice):
        taken[("b", credit.line_id) if credit.line_id
              else ("c", credit.contract_line_id)] += credit.amount_cents
    allocations = []
    for key, line in [(("b", line.pk), line) for line in days] + [
            (("c", line.pk), line) for line in months]:
        if left == 0:
            break
        part = min(left, line.amount_cents - taken[key])
        if part > 0:
            allocations.append(PaymentAllocation(
                payment=payment, line=line if key[0] == "b" else None,
                contract_line=line if key[0] == "c" else None, amount_cents=part))
            left -= part
    PaymentAllocation.objects.bulk_create(allocations)


def _pass_on(invoice: Invoice, *, account: Account, amount_cents: int, means: str, key: str,
             actor, at: datetime, online_payment: OnlinePayment | None = None) -> InvoicePayment:
    """Take money just come into the wallet to the invoice: the charge, the payment and its
    allocation to the lines, the invoice's status. The invoice is locked by the caller."""
    entry = wallets.charge(account=account, amount_cents=amount_cents,
                           reason=Label("invoice_payment", {"number": invoice.number}),
                           idempotency_key=f"{key}:out", actor=actor, at=at,
                           joins_transaction=True)
    payment = InvoicePayment.objects.create(
        invoice=invoice, amount_cents=amount_cents, means=means, at=at, entry=entry,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        online_payment=online_payment)
    _allocate(payment, invoice)
    invoice.paid_cents += amount_cents
    invoice.status = invoice.status_for_amounts()
    invoice.save(update_fields=["paid_cents", "status"])
    audit.record(actor=actor, action="childhood.invoice_paid", obj=invoice, at=at,
                 extra={"amount_cents": amount_cents, "means": means})
    return payment


def pay_at_counter(*, invoice: Invoice, amount_cents: int, means: str, request_key: str,
                   actor, at: datetime) -> InvoicePayment:
    """An agent takes money for an invoice: a top-up by `means` (in their cash report) passed
    on to the invoice. A repeated form (same `request_key`) returns the first payment."""
    check_role(actor, Role.COUNTER_AGENT, commune_id=invoice.household.commune_id)
    wallets.check_amount(amount_cents)
    if means not in COUNTER_MEANS:
        raise InvalidInput(fields={"means": [_("Choose how the money was paid.")]})
    key = f"invoice:{invoice.pk}:counter:{request_key}"
    with transaction.atomic(durable=True):
        account = _locked_account(invoice, at)
        invoice = _locked(invoice)
        first = InvoicePayment.objects.filter(entry__idempotency_key=f"{key}:out").first()
        if first is not None:
            return first
        if invoice.due_cents == 0:
            raise NothingDue()
        if amount_cents > invoice.due_cents:
            raise AmountAboveDue(due=format_cents(invoice.due_cents, invoice.currency))
        wallets.top_up(account=account, amount_cents=amount_cents, means=means,
                       reason=Label("counter_top_up"), idempotency_key=f"{key}:in",
                       actor=actor, at=at, joins_transaction=True)
        return _pass_on(invoice, account=account, amount_cents=amount_cents, means=means,
                        key=key, actor=actor, at=at)


def start_online_payment(*, invoice: Invoice, provider: str, actor, at: datetime
                         ) -> OnlinePayment:
    """Start paying what is left on an invoice through the payment provider; the provider's
    notice credits the wallet and `pass_on_online_payment` takes it to the invoice."""
    with transaction.atomic():
        invoice = _locked(invoice)
        if invoice.due_cents == 0:
            raise NothingDue()
        account = wallets.open_account(household=invoice.household,
                                       service=invoice.activity.service, at=at)
        payment = wallets.start_online_payment(account=account, amount_cents=invoice.due_cents,
                                               provider=provider, actor=actor, at=at)
        InvoiceOnlinePayment.objects.create(online_payment=payment, invoice=invoice)
    return payment


def pass_on_online_payment(sender, *, payment: OnlinePayment, at: datetime, **kwargs) -> None:
    """wallets.signals.online_payment_settled, inside the settlement's transaction: an online
    payment started for an invoice goes to it, up to what is still due (paid at the counter
    meanwhile, or cancelled: the rest stays in the wallet, the household's to use)."""
    link = InvoiceOnlinePayment.objects.filter(online_payment=payment).first()
    if link is None:
        return
    invoice = _locked(link.invoice)
    amount = min(payment.amount_cents, invoice.due_cents)
    if amount == 0:
        return
    try:
        with transaction.atomic():
            _pass_on(invoice, account=payment.account, amount_cents=amount, means=Means.ONLINE,
                     key=f"invoice:{invoice.pk}:online:{payment.reference}",
                     actor=payment.started_by, at=at, online_payment=payment)
    except DomainError:  # the service's rule refused the charge: the money stays in the wallet
        return


def cancel_by_credit_note(*, invoice: Invoice, reason: str, actor, at: datetime) -> CreditNote:
    """A manager cancels what is left of an invoice with a numbered credit note."""
    return credit(invoice=invoice, reason=reason, actor=actor, at=at)


@dataclass(frozen=True)
class Reason:
    """A credit note's reason: a manager's words, or the rule's code and parameters
    (models.CREDIT_REASONS)."""

    typed: str = ""
    code: str = ""
    params: dict = field(default_factory=dict)


def _ref(line) -> str:
    return f"b{line.pk}" if isinstance(line, BilledLine) else f"c{line.pk}"


def _credited_on(lines) -> dict[str, int]:
    """What credit notes took off each of the lines (BilledLine, ContractLine) already."""
    credited = defaultdict(int)
    for billed_id, contract_id, amount in CreditNoteLine.objects.filter(
            Q(line__in=[line.pk for line in lines if isinstance(line, BilledLine)])
            | Q(contract_line__in=[line.pk for line in lines
                                   if isinstance(line, ContractLine)])
    ).values_list("line_id", "contract_line_id", "amount_cents"):
        credited[f"b{billed_id}" if billed_id else f"c{contract_id}"] += amount
    return credited


def _line_targets(invoice: Invoice, refs) -> list[tuple[object, int]]:
    """[(BilledLine, ContractLine or TermCharge, what is left to credit on it)] for the refs
    "b<pk>", "c<pk>" and "t<pk>" (a term's invoice has that one line) of the invoice's lines;
    a line already credited in full is refused."""
    billed = {f"b{line.pk}": line for line in BilledLine.objects.filter(
        statement_id=invoice.statement_id)}
    contract = {f"c{line.pk}": line for line in ContractLine.objects.filter(
        statement_id=invoice.statement_id)}
    term = {f"t{invoice.term_id}": invoice.term} if invoice.term_id else {}
    credited = _credited_on([*billed.values(), *contract.values()])
    targets = []
    for ref in sorted(set(refs)):
        line = billed.get(ref) or contract.get(ref) or term.get(ref)
        if line is None:
            raise InvalidInput(fields={"lines": [_("Choose lines of this invoice.")]})
        left = (invoice.creditable_cents if ref in term
                else line.amount_cents - credited[ref])
        if left <= 0:
            raise CreditAboveInvoice(left=format_cents(0, invoice.currency))
        targets.append((line, left))
    return targets


def credit(*, invoice: Invoice, reason: str, actor, at: datetime, lines=None,
           amount_cents: int | None = None, joins_transaction: bool = False) -> CreditNote:
    """A manager takes some `lines` of an invoice (refs "b<pk>", "c<pk>", each for what is
    left of it), or an amount, or else all that is left, off the invoice with a numbered
    credit note and a reason. Never more than what is left to credit (`credit_above_invoice`).
    What was paid beyond the new amount due goes back to the household's wallet as a refund.
    The invoice, its lines and payments stay as they were. A caller whose own transaction
    holds it (the demo loader) passes `joins_transaction=True`."""
    activity = invoice.activity
    check_role_over(actor, Role.SERVICE_MANAGER, commune_id=activity.commune_id)
    reason = " ".join((reason or "").split())[:200]
    if not reason:
        raise InvalidInput(fields={"reason": [_("Write why the invoice is cancelled.")]})
    if amount_cents is not None:
        wallets.check_amount(amount_cents)
    with transaction.atomic(durable=not joins_transaction):
        account = _locked_account(invoice, at)
        invoice = _locked(invoice)
        if invoice.status == InvoiceStatus.CANCELLED:
            raise InvoiceAlreadyCancelled()
        targets = _line_targets(invoice, lines) if lines else []
        amount = (sum(left for _line, left in targets) if targets
                  else amount_cents if amount_cents is not None else invoice.creditable_cents)
        if amount > invoice.creditable_cents:
            raise CreditAboveInvoice(left=format_cents(invoice.creditable_cents,
                                                       invoice.currency))
        return _write_credit(invoice, account, amount=amount, targets=targets,
                             reason=Reason(typed=reason), actor=actor, at=at,
                             refund=partial(wallets.refund, joins_transaction=True))


def _left_on(wanted: list[tuple[object, int]]) -> list[tuple[object, int]]:
    """Each line for the amount wanted, never more than is left of it — read under the bill's
    lock, so that two credit notes racing for a line take it once."""
    credited = _credited_on([line for line, _cents in wanted])
    return [(line, min(cents, line.amount_cents - credited[_ref(line)]))
            for line, cents in wanted]


def _within(targets: list[tuple[object, int]], limit: int) -> list[tuple[object, int]]:
    """The targets, the last ones cut down so that they take no more than `limit`."""
    kept = []
    for line, cents in targets:
        cents = min(cents, limit)
        if cents > 0:
            kept.append((line, cents))
            limit -= cents
    return kept


def credit_absence(*, statement: Statement, wanted: list[tuple[object, int]], reason: Reason,
                   actor, at: datetime) -> CreditNote | None:
    """The rule's own credit note for an absence accepted after its month was closed, in the
    caller's transaction: each of the statement's lines (BilledLine, ContractLine) for the
    amount `wanted`, never more than is left of it (a line credited in full is skipped) nor
    than is left of the month. On the month's invoice (nothing when it is cancelled): what
    was paid beyond the new amount due is refunded into the wallet. Or, for a month charged
    to the wallet, on the statement: refunded when the wallet was charged, else the month is
    charged that much less when it is charged again (operations.charge_again)."""
    invoice = Invoice.objects.filter(statement_id=statement.pk).first()
    if invoice is not None:
        account = _locked_account(invoice, at)
        invoice = _locked(invoice)
        targets = _within(_left_on(wanted), invoice.creditable_cents)
        if not targets:
            return None
        return _write_credit(invoice, account, amount=sum(c for _l, c in targets),
                             targets=targets, reason=reason, actor=actor, at=at,
                             refund=wallets.refund_owed)
    statement = Statement.objects.select_for_update().select_related(
        "period__activity__service", "household").get(pk=statement.pk)
    targets = _within(_left_on(wanted), statement.total_cents - statement.credited_cents())
    if not targets:
        return None
    activity = statement.period.activity
    amount = sum(cents for _line, cents in targets)
    number, year, sequence = _next_number(activity.territory_id, at)
    refund = None
    if statement.entry_id is not None:
        account = wallets.open_account(household=statement.household, service=activity.service,
                                       at=at)
        refund = wallets.refund_owed(account=account, amount_cents=amount,
                                     reason=Label("credit_note", {"number": number}),
                                     idempotency_key=f"credit_note:{number}:s{statement.pk}",
                                     actor=actor, at=at)
    note = _note(statement=statement, territory_id=activity.territory_id, year=year,
                 sequence=sequence, amount=amount, targets=targets, reason=reason,
                 refund=refund, actor=actor, at=at)
    audit.record(actor=actor, action="childhood.statement_credited", obj=statement, at=at,
                 extra={"credit_note": note.number, "amount_cents": amount,
                        "refunded_cents": amount if refund else 0})
    return note


def credit_term(*, invoice: Invoice, first_session, actor, at: datetime) -> CreditNote | None:
    """The rule's own credit note for a term of lessons left before its first session, in the
    caller's transaction: all that is left of the invoice, what was paid refunded into the
    wallet; nothing when it is cancelled already."""
    account = _locked_account(invoice, at)
    invoice = _locked(invoice)
    if invoice.status == InvoiceStatus.CANCELLED:
        return None
    return _write_credit(invoice, account, amount=invoice.creditable_cents, targets=[],
                         reason=Reason(code="term_withdrawn",
                                       params={"day": first_session.isoformat()}),
                         actor=actor, at=at, refund=wallets.refund_owed)


def _next_number(territory_id: int, at: datetime) -> tuple[str, int, int]:
    year = timezone.localtime(at).year
    sequence = take_numbers(territory_id=territory_id, series=NumberSeries.CREDIT_NOTE,
                            year=year, count=1)
    return f"AV-{year}-{sequence:06d}", year, sequence


def _note(*, targets, reason: Reason, amount: int, actor, at: datetime, **fields) -> CreditNote:
    note = CreditNote.objects.create(
        issued_at=at, issued_by=actor, amount_cents=amount, reason=reason.typed,
        reason_code=reason.code, reason_params=reason.params, **fields)
    CreditNoteLine.objects.bulk_create([
        CreditNoteLine(credit_note=note, amount_cents=cents,
                       line=line if isinstance(line, BilledLine) else None,
                       contract_line=line if isinstance(line, ContractLine) else None)
        for line, cents in targets if not isinstance(line, TermCharge)])
    return note


def _write_credit(invoice: Invoice, account: Account, *, amount: int, targets,
                  reason: Reason, actor, at: datetime, refund) -> CreditNote:
    """The credit note of a locked invoice, in the caller's transaction: `amount` off it
    (`targets`: the lines it takes, with how much of each); what was paid beyond the new
    amount due goes back to the wallet by `refund` (an agent's refund when a manager writes
    the note, the rule's own otherwise)."""
    number, year, sequence = _next_number(invoice.territory_id, at)
    invoice.credited_cents += amount
    back = max(invoice.kept_cents - invoice.net_cents, 0)
    entry = None
    if back:
        entry = refund(account=account, amount_cents=back,
                       reason=Label("credit_note", {"number": number}),
                       idempotency_key=f"credit_note:{number}:{invoice.pk}", actor=actor, at=at)
        invoice.refunded_cents += back
    note = _note(invoice=invoice, territory_id=invoice.territory_id, year=year,
                 sequence=sequence, amount=amount, targets=targets, reason=reason,
                 refund=entry, actor=actor, at=at)
    invoice.status = invoice.status_for_amounts()
    invoice.save(update_fields=["credited_cents", "refunded_cents", "status"])
    audit.record(actor=actor, action="childhood.invoice_credited", obj=invoice, at=at,
                 extra={"credit_note": note.number, "amount_cents": amount,
                        "refunded_cents": back})
    return note
