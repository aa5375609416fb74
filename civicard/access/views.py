from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicard.access import queries, setup, terminals
from civicard.access.exceptions import StillInUse
from civicard.access.forms import (
    CheckpointForm,
    DoorGroupForm,
    FacilityForm,
    LogFilterForm,
    PersonSearchForm,
    QuotaForm,
    RegisterTerminalForm,
    WindowForm,
)
from civicard.access.messages import REASON_LABELS
from civicard.core import audit, clock, spreadsheets
from civicard.core.errors import DomainError
from civicard.core.permissions import Role, role_required
from civicard.core.routers import reads_from_replica
from civicard.people.views import form_error, resident_required
from civicard.territory.queries import current_territory


@role_required(Role.SERVICE_MANAGER)
def manage(request):
    return render(request, "access/manage.html", {
        "facilities": queries.facilities_overview(request.user),
        "groups": queries.door_groups(request.user),
        "quotas": queries.quotas(request.user),
    })


@role_required(Role.SERVICE_MANAGER)
def register_terminal(request):
    checkpoints = queries.checkpoints_for_manager(request.user)
    form = RegisterTerminalForm(request.POST or None, checkpoints=checkpoints)
    if request.method == "POST" and form.is_valid():
        try:
            terminal, token = terminals.register_terminal(
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
        terminals.revoke_terminal(terminal=terminal, actor=request.user, at=clock.now())
        messages.success(request, _("The terminal %(name)s can no longer open anything.")
                         % {"name": terminal.name})
    except DomainError as error:
        messages.error(request, error.text())
    return redirect("access:manage")


def _log_filters(request) -> tuple[LogFilterForm, dict]:
    facilities = [f for f in queries.facilities_overview(request.user)]
    form = LogFilterForm(request.GET or None, facilities=facilities,
                         reasons=[(code, label) for code, label in
                                  REASON_LABELS.items()])
    data = form.cleaned_data if form.is_valid() else {}
    return form, {"facility_id": data.get("facility"), "outcome": data.get("outcome") or None,
                  "reason": data.get("reason") or None}


def _log_context(request):
    form, filters = _log_filters(request)
    before = form.cleaned_data.get("before") if form.is_valid() else None
    rows = queries.decision_log(request.user, before=before, **filters)
    audit.record(actor=request.user, action="access.log_viewed",
                 extra={k: v for k, v in filters.items() if v})
    query = request.GET.copy()
    query.pop("before", None)
    older = query.copy()
    if len(rows) == queries.LOG_LIMIT:
        older["before"] = rows[-1].pk
    return {"form": form, "rows": rows, "labels": REASON_LABELS, "query": query.urlencode(),
            "live": not before, "older": older.urlencode() if "before" in older else ""}


@role_required(Role.SERVICE_MANAGER)
def log(request):
    return render(request, "access/log.html", _log_context(request))


@role_required(Role.SERVICE_MANAGER)
def log_rows(request):
    return render(request, "access/_log_rows.html", _log_context(request))


@role_required(Role.SERVICE_MANAGER)
@reads_from_replica
def log_csv(request):
    """Every decision the filters keep, streamed (a year of a big town is millions of rows)."""
    _form, filters = _log_filters(request)
    audit.record(actor=request.user, action="access.log_exported",
                 extra={k: v for k, v in filters.items() if v})
    rows = queries.decisions_for(request.user, **filters).iterator(chunk_size=2000)
    return spreadsheets.csv_response("decisions.csv", spreadsheets.csv_lines(
        ["recorded_at", "at", "facility", "checkpoint", "terminal", "person_id", "person",
         "outcome", "reason", "via", "right", "shortfall_cents"],
        ([row.recorded_at.isoformat(), row.at.isoformat(), row.checkpoint.facility.name,
          row.checkpoint.name, row.terminal.name if row.terminal_id else "", row.person_id or "",
          row.person.full_name if row.person_id else "", row.outcome, row.reason_code, row.via,
          row.right, row.shortfall_cents] for row in rows)))


@role_required(Role.SERVICE_MANAGER)
@reads_from_replica
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
        "labels": REASON_LABELS,
    })


# Manager pages: places, checkpoints, door groups, quotas ----------------------------------------

def _save(request, form, write, done: str, template: str, context: dict):
    """The edit-page pattern: a valid form goes to one operation; a domain error shows on the
    form; success says `done` and returns to /access/ (or where `write` returns)."""
    if request.method == "POST" and form.is_valid():
        try:
            target = write(form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, done)
            return redirect(target or "access:manage")
    return render(request, template, {"form": form, **context})


@role_required(Role.SERVICE_MANAGER)
def facility_edit(request, pk=None):
    facility = queries.facility_for_manager(request.user, pk) if pk else None
    form = FacilityForm(request.POST or None, communes=queries.communes_for_manager(request.user),
                        territory_wide=queries.is_territory_wide(request.user),
                        initial=facility and {"name": facility.name, "kind": facility.kind,
                                              "commune": facility.commune_id})

    def write(data):
        setup.save_facility(facility=facility, territory=current_territory(),
                            actor=request.user, at=clock.now(), **data)

    return _save(request, form, write, _("The place is saved."), "access/facility_form.html",
                 {"facility": facility})


@role_required(Role.SERVICE_MANAGER)
def checkpoint_edit(request, pk=None, facility_pk=None):
    checkpoint = queries.checkpoint_for_manager(request.user, pk) if pk else None
    facility = (checkpoint.facility if checkpoint
                else queries.facility_for_manager(request.user, facility_pk))
    initial = checkpoint and {name: getattr(checkpoint, name)
                              for name in CheckpointForm.base_fields}
    form = CheckpointForm(request.POST or None, initial=initial,
                          services=queries.services_for_manager(request.user))

    def write(data):
        setup.save_checkpoint(checkpoint=checkpoint, facility=facility, actor=request.user,
                              at=clock.now(), **data)

    return _save(request, form, write, _("The checkpoint is saved."),
                 "access/checkpoint_form.html", {"facility": facility, "checkpoint": checkpoint})


def _group_form(request, data=None, group=None):
    initial = group and {"name": group.name, "out_of_hours": group.out_of_hours,
                         "facilities": group.facilities.all(),
                         "checkpoints": group.checkpoints.all()}
    return DoorGroupForm(data, initial=initial or {"out_of_hours": True},
                         facilities=queries.facilities_for_manager(request.user),
                         checkpoints=queries.checkpoints_for_manager(request.user))


@role_required(Role.SERVICE_MANAGER)
def door_group_new(request):
    form = _group_form(request, request.POST or None)

    def write(data):
        group = setup.save_door_group(territory=current_territory(), actor=request.user,
                                      at=clock.now(), **data)
        return group.get_absolute_url()

    return _save(request, form, write,
                 _("The group is saved. Now add its time windows and its staff."),
                 "access/door_group_new.html", {})


@role_required(Role.SERVICE_MANAGER)
def door_group(request, pk):
    """The group's page: its name and places, its windows, its staff and a search for more."""
    group = queries.door_group_for_manager(request.user, pk)
    form = _group_form(request, request.POST or None, group)
    if request.method == "POST" and form.is_valid():
        try:
            setup.save_door_group(group=group, territory=group.territory,
                                  actor=request.user, at=clock.now(), **form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("The group is saved."))
            return redirect(group.get_absolute_url())
    return _group_page(request, group, form=form)


def _group_page(request, group, *, form=None, window_form=None):
    search = PersonSearchForm(request.GET or None)
    found = (queries.staff_candidates(request.user, search.cleaned_data["q"])
             if search.is_valid() else None)
    members = list(queries.group_members(group))
    return render(request, "access/door_group.html", {
        "group": group, "form": form or _group_form(request, group=group),
        "window_form": window_form or WindowForm(), "search": search, "members": members,
        "found": found, "member_ids": {m.pk for m in members}})


@require_POST
@role_required(Role.SERVICE_MANAGER)
def window_add(request, pk):
    group = queries.door_group_for_manager(request.user, pk)
    form = WindowForm(request.POST)
    if form.is_valid():
        try:
            setup.add_window(group=group, actor=request.user, at=clock.now(),
                             **form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("The time window is added."))
            return redirect(group.get_absolute_url())
    return _group_page(request, group, window_form=form)


@require_POST
@role_required(Role.SERVICE_MANAGER)
def window_remove(request, pk, window_pk):
    group = queries.door_group_for_manager(request.user, pk)
    window = queries.window_of(group, window_pk)
    setup.remove_window(window=window, actor=request.user, at=clock.now())
    messages.success(request, _("The time window %(window)s is removed.")
                     % {"window": window.label()})
    return redirect(group.get_absolute_url())


@require_POST
@role_required(Role.SERVICE_MANAGER)
def member_change(request, pk, person_pk, add: bool):
    group = queries.door_group_for_manager(request.user, pk)
    person = queries.person_for_manager(request.user, person_pk)
    change, done = ((setup.add_member, _("%(name)s can now open the group's doors."))
                    if add else
                    (setup.remove_member, _("%(name)s can no longer open the group's doors.")))
    try:
        change(group=group, person=person, actor=request.user, at=clock.now())
    except DomainError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, done % {"name": person.full_name})
    return redirect(group.get_absolute_url())


def _confirm_delete(request, *, delete, done: str, back: str, question: str, consequence: str,
                    button: str):
    """The delete-page pattern: asks first (`question`, `consequence`); the answer is a POST
    to `delete`. A refusal (still in use) is shown on the page with what to do instead."""
    if request.method == "POST":
        try:
            delete()
        except StillInUse as error:
            messages.error(request, error.text())
        else:
            messages.success(request, done)
            return redirect("access:manage")
    return render(request, "access/confirm_delete.html", {
        "question": question, "consequence": consequence, "button": button, "back": back})


@role_required(Role.SERVICE_MANAGER)
def door_group_delete(request, pk):
    group = queries.door_group_for_manager(request.user, pk)
    return _confirm_delete(
        request, back=group.get_absolute_url(),
        delete=lambda: setup.delete_door_group(group=group, actor=request.user,
                                               at=clock.now()),
        done=_("The group %(name)s is deleted.") % {"name": group.name},
        question=_("Delete the group %(name)s?") % {"name": group.name},
        consequence=_("Its staff will no longer open its doors. Terminals forget them at their "
                      "next update, within minutes. Their past entries stay in the log."),
        button=_("Delete this group"))


@role_required(Role.SERVICE_MANAGER)
def facility_delete(request, pk):
    facility = queries.facility_for_manager(request.user, pk)
    return _confirm_delete(
        request, back=reverse("access:facility", args=[pk]),
        delete=lambda: setup.delete_facility(facility=facility, actor=request.user,
                                             at=clock.now()),
        done=_("%(name)s is deleted.") % {"name": facility.name},
        question=_("Delete the place %(name)s?") % {"name": facility.name},
        consequence=_("Only a place with no doors, turnstiles or desks can be deleted, for "
                      "example one added by mistake."),
        button=_("Delete this place"))


@role_required(Role.SERVICE_MANAGER)
def checkpoint_delete(request, pk):
    checkpoint = queries.checkpoint_for_manager(request.user, pk)
    return _confirm_delete(
        request, back=reverse("access:checkpoint", args=[pk]),
        delete=lambda: setup.delete_checkpoint(checkpoint=checkpoint, actor=request.user,
                                               at=clock.now()),
        done=_("%(name)s is deleted.") % {"name": checkpoint.name},
        question=_("Delete the checkpoint %(name)s?") % {"name": checkpoint.name},
        consequence=_("Only a checkpoint that never had a terminal can be deleted, for example "
                      "one added by mistake. One with a history is closed in its opening hours "
                      "instead, so that the log keeps it."),
        button=_("Delete this checkpoint"))


@role_required(Role.SERVICE_MANAGER)
def quota_delete(request, pk):
    quota = queries.quota_for_manager(request.user, pk)
    return _confirm_delete(
        request, back=reverse("access:quota", args=[pk]),
        delete=lambda: setup.delete_quota(quota=quota, actor=request.user, at=clock.now()),
        done=_("Visits of %(service)s are no longer counted.") % {"service": quota.service.name},
        question=_("Delete the yearly quota of %(service)s?") % {"service": quota.service.name},
        consequence=_("Only a quota that has counted no visit yet can be deleted. Entries to "
                      "the service are then no longer counted nor limited."),
        button=_("Delete this quota"))


@role_required(Role.SERVICE_MANAGER)
def quota_edit(request, pk=None):
    quota = queries.quota_for_manager(request.user, pk) if pk else None
    form = QuotaForm(request.POST or None,
                     services=None if quota else queries.services_without_quota(request.user),
                     initial=quota and {"free_per_year": quota.free_per_year,
                                        "max_per_year": quota.max_per_year,
                                        "charge_use": quota.charge_use})

    def write(data):
        setup.save_quota(quota=quota, service=data.pop("service", None),
                         actor=request.user, at=clock.now(), **data)

    return _save(request, form, write, _("The quota is saved."), "access/quota_form.html",
                 {"quota": quota})
