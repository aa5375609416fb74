from django import forms
from django.utils.translation import gettext_lazy as _

from civicard.core.widgets import DateInput
from civicard.inclusion import queries, standard
from civicard.inclusion.models import Accompaniment, AgeBracket, OfficeHours, Place
from civicard.territory.queries import neighbourhood_choices


def _choices(values, empty):
    return [("", empty)] + [(value, standard.LABELS.get(value, value)) for value in values]


class PlaceFilterForm(forms.Form):
    label_suffix = ""

    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))
    service = forms.ChoiceField(label=_("Help with"), required=False)
    public = forms.ChoiceField(label=_("For"), required=False)
    free = forms.BooleanField(label=_("Free of charge"), required=False)
    open_now = forms.BooleanField(label=_("Open now"), required=False)
    pass_numerique = forms.BooleanField(label=_("Accepts pass numérique vouchers"),
                                        required=False)
    near = forms.ModelChoiceField(label=_("Near my neighbourhood"), required=False,
                                  queryset=None, empty_label=_("Anywhere"))
    lat = forms.FloatField(required=False, min_value=-90, max_value=90,
                           widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180,
                           widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = _choices(standard.services(), _("Any kind of help"))
        self.fields["public"].choices = _choices(standard.publics(), _("Everyone"))
        self.fields["near"].queryset = neighbourhood_choices()

    def filters(self) -> queries.PlaceFilters:
        if not self.is_bound or not self.is_valid():
            return queries.PlaceFilters()
        data = self.cleaned_data
        return queries.PlaceFilters(
            service=data["service"] or "", public=data["public"] or "", free=data["free"],
            open_now=data["open_now"], pass_numerique=data["pass_numerique"],
            neighbourhood=data["near"], latitude=data["lat"], longitude=data["lon"],
            q=data["q"] or "")


SERVICE_CHOICES = [(value, standard.LABELS.get(value, value)) for value in standard.services()]


class ProposalForm(forms.Form):
    nom = forms.CharField(label=_("Name of the place"), max_length=250)
    adresse = forms.CharField(label=_("Street and number"), max_length=250)
    code_postal = forms.CharField(label=_("Postal code"), max_length=5)
    commune = forms.CharField(label=_("Commune"), max_length=120)
    pivot = forms.CharField(label=_("SIRET or RNA number"), max_length=14,
                            help_text=_("9 to 14 letters or digits. Ask the place if you do not "
                                        "know it."))
    telephone = forms.CharField(label=_("Phone"), required=False, max_length=20,
                                help_text=_("International form, e.g. +33549001122."))
    courriels = forms.CharField(label=_("E-mail"), required=False, max_length=250,
                                help_text=_("Several addresses: separate them with |."))
    horaires = forms.CharField(label=_("Opening hours"), required=False, max_length=200,
                               help_text=_("For example: Mo-Fr 09:00-12:00; Sa 10:00-12:00"))
    services = forms.MultipleChoiceField(label=_("Help offered"), choices=SERVICE_CHOICES,
                                         widget=forms.CheckboxSelectMultiple, required=False)
    frais_a_charge = forms.ChoiceField(
        label=_("Price"), required=False,
        choices=_choices(standard.enumerations()["frais_a_charge"], _("Not known")))
    presentation_resume = forms.CharField(label=_("In a few words"), required=False,
                                          max_length=280, widget=forms.Textarea({"rows": 3}))
    accepts_pass_numerique = forms.BooleanField(label=_("Accepts pass numérique vouchers"),
                                                required=False)
    accessibility_notes = forms.CharField(label=_("Accessibility"), required=False,
                                          max_length=500, widget=forms.Textarea({"rows": 2}))

    @classmethod
    def for_place(cls, place: Place, data=None):
        initial = {name: getattr(place, name) for name in cls.base_fields
                   if name not in ("services",)}
        initial["services"] = place.values("services")
        return cls(data, initial=initial)

    def proposal_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["services"] = standard.SEPARATOR.join(data.get("services") or [])
        return data


class DecisionForm(forms.Form):
    reason = forms.CharField(label=_("Reason (sent to the person who proposed it)"),
                             required=False, max_length=500, widget=forms.Textarea({"rows": 2}))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file in the national standard"))
    dry_run = forms.BooleanField(label=_("Only check the file, change nothing"), required=False)


class BookingForm(forms.Form):
    topic = forms.CharField(label=_("What do you need help with? (optional)"), required=False,
                            max_length=80)


class OfficeHoursForm(forms.ModelForm):
    class Meta:
        model = OfficeHours
        fields = ["place", "weekday", "weeks_of_month", "start_time", "end_time",
                  "slot_minutes", "valid_from", "valid_until"]
        widgets = {"start_time": forms.TimeInput(attrs={"type": "time"}),
                   "end_time": forms.TimeInput(attrs={"type": "time"}),
                   "valid_from": DateInput(),
                   "valid_until": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = Place.objects.filter(status=Place.Status.PUBLISHED)


class SessionChangeForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    kind = forms.ChoiceField(label=_("Change"), choices=[
        ("cancelled", _("Cancel this session")), ("extra", _("Add an extra session"))])


class AccompanimentForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=DateInput())
    place = forms.ModelChoiceField(label=_("Place"), queryset=None)
    duration_minutes = forms.IntegerField(label=_("Duration in minutes"), min_value=1,
                                          max_value=600, initial=30)
    themes = forms.MultipleChoiceField(label=_("Themes"), choices=SERVICE_CHOICES,
                                       widget=forms.CheckboxSelectMultiple)
    first_visit = forms.TypedChoiceField(
        label=_("Visit"), choices=[("1", _("First visit")), ("0", _("Follow-up"))],
        coerce=lambda v: v == "1", widget=forms.RadioSelect, initial="1")
    orientation = forms.ChoiceField(label=_("Orientation given"),
                                    choices=Accompaniment.Orientation.choices, required=False)
    person_email = forms.EmailField(
        label=_("Resident's e-mail (if they have a Civicard account)"), required=False)
    first_name = forms.CharField(label=_("First name"), required=False, max_length=60,
                                 help_text=_("Not stored: only used to count the person once."))
    family_name = forms.CharField(label=_("Family name"), required=False, max_length=60,
                                  help_text=_("Not stored."))
    birth_year = forms.IntegerField(label=_("Year of birth"), required=False,
                                    help_text=_("Not stored."))
    age_bracket = forms.ChoiceField(label=_("Age"), choices=AgeBracket.choices, required=False)
    neighbourhood = forms.ModelChoiceField(label=_("Neighbourhood where the person lives"),
                                           queryset=None, required=False,
                                           empty_label=_("Not known"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = Place.objects.filter(status=Place.Status.PUBLISHED)
        self.fields["neighbourhood"].queryset = neighbourhood_choices()
