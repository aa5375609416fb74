from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from civicard.childhood.models import Activity


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
