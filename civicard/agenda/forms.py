from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info
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

    def shown(self) -> dict:
        """What the filters' fields show, as plain values: the page writes the fields itself,
        which costs a fraction of rendering each widget through its template."""
        data = self.data if self.is_bound else {}
        category, near = data.get("category", ""), data.get("near", "")
        return {
            "start": self["start"], "start_value": data.get("start", ""),
            "category": self["category"], "near": self["near"],
            "categories": [(value, label, value == category)
                           for value, label in self.fields["category"].choices],
            "near_empty": self.fields["near"].empty_label,
            "places": [(str(place.pk), str(place), str(place.pk) == near)
                       for place in self.fields["near"].queryset],
            "checks": [(self[name], bool(data.get(name)))
                       for name in ("free", "accessible", "children")],
        }

    def filters(self, *, today, days: int, start=None) -> Filters:
        data = self.cleaned_data if self.is_valid() else {}
        start = start or data.get("start") or today
        start = min(max(start, today - timedelta(days=366)), today + timedelta(days=730))
        return Filters(start=start, end=start + timedelta(days=days),
                       category=data.get("category", ""), free=data.get("free", False),
                       accessible=data.get("accessible", False),
                       children=data.get("children", False),
                       near=data["near"].pk if data.get("near") else None)


class EventTextsForm(forms.Form):
    """Title and description in any of the fifteen languages. The main language's title is
    required: readers whose language has no title see the main language's words."""

    language = forms.ChoiceField(
        label=_("Main language"), choices=settings.LANGUAGES,
        help_text=_("Readers whose language has no title below read the event in this one."))

    def __init__(self, *args, first_language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.first_language = first_language
        for code, _name in settings.LANGUAGES:
            direction = "rtl" if code in settings.LANGUAGES_BIDI else "ltr"
            attrs = {"lang": code, "dir": direction}
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("Title"), required=False, max_length=200,
                widget=forms.TextInput(attrs=attrs))
            self.fields[f"description_{code}"] = forms.CharField(
                label=_("Description"), required=False, max_length=8000,
                widget=forms.Textarea(attrs={"rows": 4, **attrs}))

    def clean(self):
        data = super().clean()
        main = data.get("language")
        if main and not data.get(f"title_{main}", "").strip():
            self.add_error(f"title_{main}", _("Write the title in the main language."))
        for code, _name in settings.LANGUAGES:
            if data.get(f"description_{code}", "").strip() \
                    and not data.get(f"title_{code}", "").strip():
                self.add_error(f"title_{code}", _("Write a title to go with this description."))
        return data

    def texts(self) -> dict[str, tuple[str, str]]:
        """{language: (title, description)} of the languages given a title."""
        data = self.cleaned_data
        return {code: (data[f"title_{code}"].strip(), data[f"description_{code}"].strip())
                for code, _name in settings.LANGUAGES if data[f"title_{code}"].strip()}

    def sections(self) -> list[dict]:
        """One section per language: the main language and the editor's own open first, the
        others folded unless they hold words or an error."""
        main = self["language"].value() or self.first_language
        order = [main, self.first_language] + [code for code, _name in settings.LANGUAGES]
        sections, seen = [], set()
        for code in order:
            if code in seen:
                continue
            seen.add(code)
            title, description = self[f"title_{code}"], self[f"description_{code}"]
            info = get_language_info(code)
            sections.append({
                "code": code, "name_local": info["name_local"],
                "name": dict(settings.LANGUAGES)[code], "main": code == main,
                "fields": [title, description],
                "filled": bool(title.value() or description.value()),
                "open": len(seen) <= 2 or bool(title.value() or description.value()
                                               or title.errors or description.errors),
            })
        return sections

    @staticmethod
    def initial_for(event: Event) -> dict:
        initial = {"language": event.language}
        for text in event.texts.all():
            initial[f"title_{text.language}"] = text.title
            initial[f"description_{text.language}"] = text.description
        return initial


class EventForm(forms.Form):
    """Everything about an event but its words (EventTextsForm). Editing adds its status."""

    publisher = forms.ModelChoiceField(label=_("Published by"), queryset=None)
    start = forms.DateTimeField(label=_("Starts"),
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                         format="%Y-%m-%dT%H:%M"))
    end = forms.DateTimeField(label=_("Ends"),
                              widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                         format="%Y-%m-%dT%H:%M"))
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

    def __init__(self, *args, publishers, event: Event | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["publisher"].queryset = publishers
        if event is not None:  # the publisher stays; its status may change
            del self.fields["publisher"]
            self.fields["status"] = forms.ChoiceField(label=_("Status"),
                                                      choices=Event.Status.choices)

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
