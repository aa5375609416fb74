from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from civicard.childhood.models import (
    WEEKDAYS,
    AbsenceReason,
    Activity,
    DocumentKind,
    Pricing,
    Unit,
)
from civicard.childhood.operations import ACTIVITY_FIELDS
from civicard.core.errors import DomainError
from civicard.core.money import parse_amount
from civicard.territory.models import IncomeBracket


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


class CreditNoteForm(forms.Form):
    """A credit note: the lines ticked, or an amount, or else all that is left."""

    reason = forms.CharField(label=_("Why the invoice is cancelled"), max_length=200)
    amount = forms.CharField(label=_("Or an amount"), max_length=20, required=False,
                             help_text=_("No line ticked and no amount: all that is left."))
    lines = forms.MultipleChoiceField(label=_("Lines to credit"), required=False, choices=(),
                                      widget=forms.CheckboxSelectMultiple)
    field_order = ["lines", "amount", "reason"]

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = lines

    def clean_amount(self):
        text = self.cleaned_data["amount"].strip()
        if not text:
            return None
        try:
            return parse_amount(text, field="amount")
        except DomainError as error:
            raise forms.ValidationError(error.text()) from None


class DebtLimitForm(forms.Form):
    limit = forms.CharField(
        label=_("New bookings are refused above this amount owed"), max_length=20,
        required=False,
        help_text=_("Leave empty: this household's bookings are never refused."))

    def clean_limit(self):
        text = self.cleaned_data["limit"].strip()
        if not text:
            return None
        try:
            return parse_amount(text, field="limit", allow_zero=True)
        except DomainError as error:
            raise forms.ValidationError(error.text()) from None


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


# Activity set-up -------------------------------------------------------------------------------

class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = ACTIVITY_FIELDS
        labels = {
            "name": _("Name"), "kind": _("Kind"), "service": _("Service whose account is charged"),
            "commune": _("Commune"), "season_starts_on": _("First day of the season"),
            "season_ends_on": _("Last day of the season"),
            "places": _("Children enrolled at most (empty: no limit)"),
            "min_age_months": _("Youngest age, in months"),
            "max_age_months": _("Oldest age, in months"),
            "deadline_days_before": _("Deadline: days before the day"),
            "deadline_weekday": _("Or: weekday of the week before (0 = Monday)"),
            "deadline_time": _("Deadline: time"),
            "debt_limit_cents": _("Pause new bookings above this debt, in cents"),
        }
        help_texts = {"places": "", "debt_limit_cents": ""}
        widgets = {"season_starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "season_ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "deadline_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, services, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        self.fields["commune"].queryset = communes
        self.fields["deadline_weekday"].widget.attrs.update({"min": 0, "max": 6})

    def clean(self):
        data = super().clean()
        starts, ends = data.get("season_starts_on"), data.get("season_ends_on")
        if starts and ends and ends < starts:
            self.add_error("season_ends_on", _("The season must end after it starts."))
        weekday = data.get("deadline_weekday")
        if weekday is not None and weekday > 6:
            self.add_error("deadline_weekday", _("Give a weekday from 0 (Monday) to 6."))
        return data


class UnitForm(forms.Form):
    name = forms.CharField(label=_("Name of the unit (meal, morning, full day…)"), max_length=80)
    capacity = forms.IntegerField(label=_("Places per day"), min_value=1, max_value=10_000)
    pricing = forms.ChoiceField(label=_("Price"), choices=[
        (Pricing.PER_UNIT, _("per unit")), (Pricing.PER_HOUR, _("per hour"))])
    planned_minutes = forms.IntegerField(label=_("Planned length, in minutes"), min_value=1,
                                         max_value=24 * 60, initial=60)
    incompatible = forms.ModelMultipleChoiceField(
        label=_("Cannot be booked on the same day as"), required=False,
        queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, activity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incompatible"].queryset = activity.units.all()


def _cents_field(label, required=False):
    return forms.IntegerField(label=label, min_value=0, max_value=100_000_00, required=required)


class PriceForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    income_bracket = forms.ModelChoiceField(label=_("Income bracket (empty: any)"),
                                            queryset=IncomeBracket.objects.none(),
                                            required=False)
    from_rank = forms.IntegerField(label=_("From the child's rank in the household"),
                                   min_value=1, max_value=20, initial=1)
    amount_cents = _cents_field(_("Amount in cents (per hour: of an hour)"), required=True)
    unexpected_amount_cents = _cents_field(_("Presence without booking, in cents (empty: the "
                                             "amount)"))
    floor_cents = _cents_field(_("Floor in cents (per hour)"))
    ceiling_cents = _cents_field(_("Ceiling in cents (per hour)"))
    valid_from = forms.DateField(label=_("From"), widget=forms.DateInput(
        attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, activity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = activity.units.all()
        self.fields["income_bracket"].queryset = IncomeBracket.objects.filter(
            territory_id=activity.territory_id)


class SeasonDaysForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Open on"), coerce=int, widget=forms.CheckboxSelectMultiple,
        choices=list(enumerate(WEEKDAYS)))
    holidays = forms.FileField(
        label=_("School holidays (CSV with the columns start and end, YYYY-MM-DD)"),
        required=False)
