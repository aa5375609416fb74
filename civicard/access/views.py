from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicard.access import operations, queries
from civicard.access.forms import LogFilterForm, RegisterTerminalForm
from civicard.core import audit, clock
from civicard.core.errors import DomainError
from civicard.core.permissions import Role, role_required
from civicard.people.views import form_error, resident_required


@role_required(Role.SERVICE_MANAGER)
def manage(request):
    return render(request, "access/manage.html", {
        "facilities": queries.facilities_overview(request.user),
        "groups": queries.door_groups(request.user),
        "quotas": queries.quotas(request.user),
    })


@role_required(Role.SERVICE_MANAGER)
def register_terminal(request):
    checkpoints = queries.checkpoints_for_registration(request.user)
    form = RegisterTerminalForm(request.POST or None, checkpoints=checkpoints)
    if request.method == "POST" and form.is_valid():
        try:
            terminal, token = operations.register_terminal(
                checkpoint=form.cleaned_data["checkpoint"], name=form.cleaned_data["name"],
                language=form.cleaned_data["language"], actor=request.user, at=clock.now())
        except DomainError as error:
            form_error(form, error)
        else:
            response = render(request, "access/token.html", {"terminal": terminal,
                                                             "token": token})
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "access/register.html", {"form": form})


@require_POST
@role_required(Role.SERVICE_MANAGER)
def revoke_terminal(request, pk):
    terminal = queries.terminal_for_manager(request.user, pk)
    try:
        operations.revoke_terminal(terminal=terminal, actor=request.user, at=clock.now())
        messages.success(request, _("The terminal %(name)s can no longer open anything.")
                         % {"name": terminal.name})
    except DomainError as error:
        messages.error(request, error.text())
    return redirect("access:manage")


def _log_context(request):
    facilities = [f for f in queries.facilities_overview(request.user)]
    form = LogFilterForm(request.GET or None, facilities=facilities,
                         reasons=[(code, label) for code, label in
                                  operations.REASON_LABELS.items()])
    filters = form.cleaned_data if form.is_valid() else {}
    rows = queries.decision_log(request.user, facility_id=filters.get("facility"),
                                outcome=filters.get("outcome") or None,
                                reason=filters.get("reason") or None)
    audit.record(actor=request.user, action="access.log_viewed",
                 extra={k: v for k, v in filters.items() if v})
    return {"form": form, "rows": rows, "labels": operations.REASON_LABELS,
            "query": request.GET.urlencode()}


@role_required(Role.SERVICE_MANAGER)
def log(request):
    return render(request, "access/log.html", _log_context(request))


@role_required(Role.SERVICE_MANAGER)
def log_rows(request):
    return render(request, "access/_log_rows.html", _log_context(request))


@role_required(Role.SERVICE_MANAGER)
def chart(request):
    rows, days = queries.weekly_uses(request.user, now=clock.now())
    top = max([n for row in rows for _day, n in row.days] + [1])
    bar_width, gap, height = 10, 2, 60
    for row in rows:
        row.bars = [{"x": i * (bar_width + gap), "h": round(n / top * height),
                     "y": height - round(n / top * height), "n": n, "day": day}
                    for i, (day, n) in enumerate(row.days)]
    return render(request, "access/chart.html", {
        "rows": rows, "days": days, "total": sum(r.total for r in rows),
        "width": 7 * (bar_width + gap), "height": height, "bar_width": bar_width})


@resident_required
def my_access(request):
    person = request.resident
    return render(request, "access/mine.html", {
        "history": queries.my_history(person),
        "quotas": queries.my_quotas(person, now=clock.now()),
        "labels": operations.REASON_LABELS,
    })
