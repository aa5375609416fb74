from django import forms
from django.utils.translation import gettext_lazy as _

from civicard.moderation.models import Appeal, ContentReport


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why do you report it?"), widget=forms.RadioSelect,
                               choices=ContentReport.Reason.choices)
    note = forms.CharField(label=_("Anything to add? (optional)"), max_length=500,
                           required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    action = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        ("hide", _("Hide the content")), ("restore", _("Restore the content")),
        ("publish", _("Publish the held post")), ("warn", _("Warn the author")),
        ("suspend", _("Suspend the author until a date")), ("ban", _("Ban the author"))])
    justification = forms.CharField(
        label=_("Justification (the author reads it)"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}))
    until = forms.DateTimeField(label=_("Suspended until"), required=False,
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class AppealForm(forms.Form):
    text = forms.CharField(label=_("Why do you disagree?"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Your decision"), widget=forms.RadioSelect,
                                choices=Appeal.Outcome.choices)
    outcome_note = forms.CharField(label=_("Explanation (the author reads it)"), max_length=2000,
                                   widget=forms.Textarea(attrs={"rows": 3}))


