from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from civicard.core import clock
from civicard.core.errors import DomainError, NotFound
from civicard.core.permissions import Role, role_required
from civicard.moderation import forms, operations, queries
from civicard.moderation.models import ContentKind
from civicard.people.views import form_error, resident_required


def _kind(kind: str) -> str:
    if kind not in ContentKind.values:
        raise NotFound()
    return kind


@resident_required
def report(request, kind, pk):
    form = forms.ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            operations.report_content(kind=_kind(kind), object_id=pk, reporter=request.resident,
                                      actor=request.user, at=clock.now(), **form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Thank you. A moderator will look at it."))
            return redirect("mutualaid:feed")
    return render(request, "moderation/report.html", {"form": form, "kind": _kind(kind)})


@role_required(Role.MODERATOR)
def queue(request):
    return render(request, "moderation/queue.html", queries.queue(request.user))


@role_required(Role.MODERATOR)
def item(request, kind, pk):
    content, reports, decisions = queries.item(request.user, _kind(kind), pk)
    form = forms.DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            operations.decide(kind=kind, object_id=pk, actor=request.user, at=clock.now(),
                              **form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Your decision was recorded and the author told."))
            return redirect("moderation:queue")
    return render(request, "moderation/item.html", {
        "content": content, "kind_label": ContentKind(kind).label, "reports": reports,
        "decisions": decisions, "form": form})


@role_required(Role.MODERATOR)
def appeal(request, pk):
    item = queries.appeal_for(request.user, pk)
    form = forms.AppealDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            operations.decide_appeal(appeal=item, outcome=form.cleaned_data["outcome"],
                                     note=form.cleaned_data["outcome_note"], actor=request.user,
                                     at=clock.now())
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("The appeal was decided and the author told."))
            return redirect("moderation:queue")
    return render(request, "moderation/appeal.html", {"appeal": item, "form": form})


@resident_required
def my_decisions(request):
    decisions = list(queries.decisions_about(request.resident))
    posted = request.POST.get("decision", "") if request.method == "POST" else ""
    for decision in decisions:
        decision.what = operations.describe(decision)
        bound = posted == str(decision.pk)
        decision.form = forms.AppealForm(request.POST if bound else None,
                                         prefix=f"d{decision.pk}")
        if bound and decision.form.is_valid():
            try:
                operations.appeal(decision=decision, person=request.resident,
                                  text=decision.form.cleaned_data["text"], actor=request.user,
                                  at=clock.now())
            except DomainError as error:
                form_error(decision.form, error)
            else:
                messages.success(request, _("Your appeal was sent. Another moderator will "
                                            "decide."))
                return redirect("moderation:my_decisions")
    return render(request, "moderation/my_decisions.html", {"decisions": decisions})
