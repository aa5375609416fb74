from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from civicard.childhood.models import Activity
from civicard.core.errors import DomainError
from civicard.core.money import parse_amount


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
    reason = forms.CharField(label=_("Why the invoice is cancelled"), max_length=200)


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
