from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicard.access.models import (
    Checkpoint,
    CheckpointKind,
    Facility,
    FacilityKind,
    Outcome,
    TimeWindow,
)
from civicard.territory.models import Commune
from civicard.wallets.models import Service


class RegisterTerminalForm(forms.Form):
    checkpoint = forms.ModelChoiceField(label=_("Where is it?"), queryset=Checkpoint.objects.none())
    name = forms.CharField(label=_("Name of the terminal"), max_length=120,
                           help_text=_("For example: Pool turnstile 1."))
    language = forms.ChoiceField(label=_("Language of its screen"), choices=settings.LANGUAGES,
                                 initial="fr")

    def __init__(self, *args, checkpoints=None, **kwargs):
        super().__init__(*args, **kwargs)
        if checkpoints is not None:
            self.fields["checkpoint"].queryset = checkpoints


class LogFilterForm(forms.Form):
    facility = forms.TypedChoiceField(label=_("Place"), required=False, coerce=int,
                                      empty_value=None)
    outcome = forms.ChoiceField(label=_("Result"), required=False,
                                choices=[("", _("All"))] + list(Outcome.choices))
    reason = forms.ChoiceField(label=_("Reason"), required=False)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, facilities=(), reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].choices = [("", _("All"))] + [(f.pk, f.name) for f in facilities]
        self.fields["reason"].choices = [("", _("All"))] + list(reasons)


# Manager pages: the fields only; the rules are in operations.py ---------------------------------

class FacilityForm(forms.Form):
    name = forms.CharField(label=_("Name of the place"), max_length=120,
                           help_text=_("For example: Town pool."))
    kind = forms.ChoiceField(label=_("What kind of place"), choices=FacilityKind.choices)
    commune = forms.ModelChoiceField(label=_("Commune"), queryset=Commune.objects.none(),
                                     required=False, empty_label=_("Whole territory"))

    def __init__(self, *args, communes=None, territory_wide=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes
        # A manager of some communes only cannot create places for the whole territory.
        self.fields["commune"].required = not territory_wide
        if not territory_wide:
            self.fields["commune"].empty_label = None


class CheckpointForm(forms.Form):
    name = forms.CharField(label=_("Name of the checkpoint"), max_length=120,
                           help_text=_("For example: Entrance turnstile."))
    kind = forms.ChoiceField(label=_("What kind of checkpoint"), choices=CheckpointKind.choices)
    service = forms.ModelChoiceField(label=_("Service it lets in"), required=False,
                                     queryset=Service.objects.none(),
                                     empty_label=_("None: staff only"))
    charge_use = forms.SlugField(
        label=_("Tariff charged at each entry"), max_length=40, required=False,
        help_text=_("The tariff's short name in the service, e.g. entry. Empty: entries are "
                    "not charged here."))
    opening_hours = forms.CharField(
        label=_("Opening hours"), max_length=255, initial="24/7",
        help_text=_("OpenStreetMap syntax, e.g. Mo-Fr 09:00-18:00; Sa 09:00-12:00; PH off. "
                    "24/7 means always open. PH means public holidays."))
    country = forms.CharField(label=_("Country of the public holidays"), max_length=2,
                              initial="FR", help_text=_("Two letters, e.g. FR or CH."))
    passback_seconds = forms.IntegerField(
        label=_("Refuse a second pass of the same card within (seconds)"), required=False,
        min_value=1, max_value=86400, help_text=_("Empty: no anti-passback."))

    def __init__(self, *args, services=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services


class DoorGroupForm(forms.Form):
    name = forms.CharField(label=_("Name of the group"), max_length=120,
                           help_text=_("For example: Cleaning team of the schools."))
    out_of_hours = forms.BooleanField(label=_("Also opens outside opening hours"),
                                      required=False)
    facilities = forms.ModelMultipleChoiceField(
        label=_("Whole buildings it opens"), required=False, queryset=Facility.objects.none(),
        widget=forms.CheckboxSelectMultiple)
    checkpoints = forms.ModelMultipleChoiceField(
        label=_("Single doors it opens"), required=False, queryset=Checkpoint.objects.none(),
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, facilities=None, checkpoints=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facilities"].queryset = facilities
        self.fields["checkpoints"].queryset = checkpoints


class WindowForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("Day"), coerce=int,
                                     choices=TimeWindow._meta.get_field("weekday").choices)
    starts = forms.TimeField(label=pgettext_lazy("time", "From"),
                             widget=forms.TimeInput(attrs={"type": "time"}))
    ends = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}),
                           help_text=_("An end earlier than the start runs past midnight into "
                                       "the next day, e.g. Friday 22:00 until 02:00."))


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or card number"), max_length=100, min_length=2)


class QuotaForm(forms.Form):
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none())
    free_per_year = forms.IntegerField(label=_("Free visits per household and year"),
                                       min_value=0, max_value=10000)
    max_per_year = forms.IntegerField(label=_("Most visits per household and year"),
                                      min_value=0, max_value=10000,
                                      help_text=_("Visits beyond the free ones are charged; "
                                                  "above this number they are refused."))
    charge_use = forms.SlugField(label=_("Tariff of a visit beyond the free ones"),
                                 max_length=40, initial="visit",
                                 help_text=_("The tariff's short name in the service."))

    def __init__(self, *args, services=None, **kwargs):
        super().__init__(*args, **kwargs)
        if services is None:  # changing a quota: its service stays
            del self.fields["service"]
        else:
            self.fields["service"].queryset = services
