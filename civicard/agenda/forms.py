from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from civicard.agenda.models import Accessibility, AlertSettings, Category, Event
from civicard.agenda.queries import Filters
from civicard.core import clock
from civicard.territory.queries import neighbourhood_choices


class FilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    category = forms.ChoiceField(label=_("Category"), required=False,
                                 choices=[("", _("All"))] + Category.choices)
    near = forms.ModelChoiceField(label=_("Near my neighbourhood"), required=False,
                                  queryset=neighbourhood_choices(), empty_label=_("Everywhere"))
    free = forms.BooleanField(label=_("Free"), required=False)
    accessible = forms.BooleanField(label=_("Accessible"), required=False)
    children = forms.BooleanField(label=_("For children"), required=False)

    def filters(self, *, today, days: int, start=None) -> Filters:
        data = self.cleaned_data if self.is_valid() else {}
        start = start or data.get("start") or today
        start = min(max(start, today - timedelta(days=366)), today + timedelta(days=730))
        return Filters(start=start, end=start + timedelta(days=days),
                       category=data.get("category", ""), free=data.get("free", False),
                       accessible=data.get("accessible", False),
                       children=data.get("children", False),
                       near=data["near"].pk if data.get("near") else None)


class EventForm(forms.Form):
    publisher = forms.ModelChoiceField(label=_("Published by"), queryset=None)
    language = forms.ChoiceField(label=_("Language it is written in"),
                                 choices=settings.LANGUAGES)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, max_length=8000,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    start = forms.DateTimeField(label=_("Starts"),
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end = forms.DateTimeField(label=_("Ends"),
                              widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    rrule = forms.CharField(label=_("Repeats (RFC 5545 rule)"), required=False, max_length=300,
                            help_text=_("For example FREQ=WEEKLY;COUNT=10. Leave empty for a "
                                        "single date."))
    place_name = forms.CharField(label=_("Place"), max_length=200)
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    neighbourhood = forms.ModelChoiceField(label=_("Neighbourhood"), required=False,
                                           queryset=neighbourhood_choices())
    categories = forms.MultipleChoiceField(label=_("Categories"), choices=Category.choices,
                                           widget=forms.CheckboxSelectMultiple)
    price = forms.DecimalField(label=_("Price (0 if free)"), required=False, min_value=0,
                               max_value=10000, decimal_places=2)
    free_with_card = forms.BooleanField(label=_("Free with the card"), required=False)
    age_min = forms.IntegerField(label=_("From age"), required=False, min_value=0, max_value=120)
    age_max = forms.IntegerField(label=_("Up to age"), required=False, min_value=0,
                                 max_value=120)
    accessibility = forms.MultipleChoiceField(label=_("Accessible to"), required=False,
                                              choices=Accessibility.choices,
                                              widget=forms.CheckboxSelectMultiple)
    registration_url = forms.URLField(label=_("Registration link"), required=False,
                                        assume_scheme="https")
    capacity = forms.IntegerField(label=_("Places"), required=False, min_value=1,
                                  max_value=100000)

    def __init__(self, *args, publishers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["publisher"].queryset = publishers

    def clean_start(self):
        start = self.cleaned_data["start"]
        if abs((start - clock.now()).days) > 800:
            raise forms.ValidationError(_("Enter a date within two years."))
        return start


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Event.Status.choices)


class AlertSettingsForm(forms.ModelForm):
    class Meta:
        model = AlertSettings
        fields = ["in_app", "email", "push", "rhythm", "quiet_from", "quiet_until"]
        widgets = {"rhythm": forms.RadioSelect,
                   "quiet_from": forms.TimeInput(attrs={"type": "time"}),
                   "quiet_until": forms.TimeInput(attrs={"type": "time"})}


class ImportForm(forms.Form):
    publisher = forms.ModelChoiceField(label=_("Published by"), queryset=None)
    file = forms.FileField(label=_("Calendar file (.ics)"))

    def __init__(self, *args, publishers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["publisher"].queryset = publishers
