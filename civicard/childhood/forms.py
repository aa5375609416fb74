from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from civicard.childhood.models import WEEKDAYS, AbsenceReason, Activity, DocumentKind


class EnrolForm(forms.Form):
    activity = forms.ModelChoiceField(label=_("Activity"), queryset=Activity.objects.none())
    allergies = forms.CharField(label=_("Allergies"), max_length=300, required=False)
    care_plan = forms.CharField(label=_("Individual care plan (medicine, diet…)"),
                                max_length=300, required=False)
    authorised_pickup = forms.CharField(label=_("Who may collect the child"), max_length=300,
                                        required=False)
    photo_consent = forms.BooleanField(label=_("I agree that the child may be photographed"),
                                       required=False)

    def __init__(self, *args, activities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = activities


class NurseryRateForm(forms.Form):
    monthly_resources = forms.DecimalField(
        label=_("Monthly resources of the household, in euros"), min_value=0,
        max_value=1_000_000, decimal_places=2)
    children = forms.IntegerField(label=_("Dependent children"), min_value=1, max_value=30,
                                  initial=1)
    disabled_child = forms.BooleanField(label=_("A child of the household has a disability"),
                                        required=False)


class MonthForm(forms.Form):
    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m"],
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))

    def clean_month(self):
        month: date = self.cleaned_data["month"]
        return month.replace(day=1)


def _date_field(label):
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"},
                                                                format="%Y-%m-%d"))


def _time_field(label):
    return forms.TimeField(label=label, required=False,
                           widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


class ContractForm(forms.Form):
    """A nursery contract's terms; a weekday without hours is not reserved."""

    starts_on = _date_field(_("First day of the contract"))
    ends_on = _date_field(_("Last day of the contract"))
    closure_weeks = forms.IntegerField(label=_("Weeks the nursery is closed"), min_value=0,
                                       max_value=52, initial=0)
    holiday_weeks = forms.IntegerField(label=_("Weeks of the family's holidays"), min_value=0,
                                       max_value=52, initial=0)
    monthly_resources = forms.DecimalField(
        label=_("Monthly resources of the household, in euros"), min_value=0,
        max_value=1_000_000, decimal_places=2)
    dependent_children = forms.IntegerField(label=_("Dependent children"), min_value=1,
                                            max_value=30, initial=1)
    disabled_child = forms.BooleanField(label=_("A child of the household has a disability"),
                                        required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number, name in enumerate(WEEKDAYS):
            self.fields[f"from_{number}"] = _time_field(
                _("%(day)s: from") % {"day": name})
            self.fields[f"to_{number}"] = _time_field(_("%(day)s: to") % {"day": name})

    def clean(self):
        data = super().clean()
        schedule = {}
        for number in range(7):
            start, end = data.get(f"from_{number}"), data.get(f"to_{number}")
            if start is None and end is None:
                continue
            if start is None or end is None or end <= start:
                self.add_error(f"to_{number}", _("Give both times, the end after the start."))
            else:
                schedule[number] = (start, end)
        if not schedule and not self.errors:
            self.add_error(None, _("Give the hours of at least one day."))
        data["schedule"] = schedule
        return data

    @staticmethod
    def initial_from(contract) -> dict:
        initial = {name: getattr(contract, name) for name in (
            "starts_on", "ends_on", "closure_weeks", "holiday_weeks", "dependent_children",
            "disabled_child")}
        initial["monthly_resources"] = contract.monthly_resources_cents / 100
        for day in contract.days.all():
            initial[f"from_{day.weekday}"] = day.starts_at
            initial[f"to_{day.weekday}"] = day.ends_at
        return initial


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("File (PDF or photo, at most 10 MB)"))


class AbsenceForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=AbsenceReason.choices)
    starts_on = _date_field(_("First day of absence"))
    ends_on = _date_field(_("Last day of absence"))
    file = forms.FileField(label=_("Certificate (PDF or photo, at most 10 MB)"),
                           required=False)

    def __init__(self, *args, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not staff:
            self.fields["reason"].choices = [
                c for c in AbsenceReason.choices if c[0] != AbsenceReason.CLOSURE]
