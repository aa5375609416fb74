from django import forms
from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from civicard.core.widgets import DateInput
from civicard.mutualaid.models import Category, HelpfulNeighbour, Post, VulnerabilityReport
from civicard.people.forms import native_language_choices
from civicard.territory.queries import neighbourhood_choices


class NeighbourhoodField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Neighbourhood"))
        super().__init__(queryset=neighbourhood_choices(), **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.name} — {obj.commune.name}"


class CategoryField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Category"))
        super().__init__(queryset=Category.objects.filter(is_active=True), **kwargs)


class PostForm(forms.Form):
    kind = forms.ChoiceField(label=_("Do you offer or ask for help?"), choices=Post.Kind.choices,
                             widget=forms.RadioSelect)
    category = CategoryField()
    title = forms.CharField(label=_("Title"), max_length=120,
                            help_text=_("A few words, e.g. \"I lend a drill\"."))
    description = forms.CharField(
        label=_("Description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Do not write your phone number, e-mail or address: neighbours will write "
                    "to you privately."))
    neighbourhood = NeighbourhoodField(help_text=_("Only the neighbourhood is shown, never "
                                                   "your address."))
    availability = forms.CharField(label=_("When?"), max_length=200, required=False,
                                   help_text=_("e.g. \"Saturday mornings\"."))
    language = forms.ChoiceField(label=_("Language you write in"),
                                 choices=native_language_choices)


class FilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Offers or requests"), required=False,
                             choices=[("", _("Both"))] + Post.Kind.choices)
    category = forms.ChoiceField(label=_("Category"), required=False)
    neighbourhood = forms.ChoiceField(label=_("Neighbourhood"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All"))] + [
            (c.code, str(c)) for c in Category.objects.filter(is_active=True)]
        self.fields["neighbourhood"].choices = [("", _("All, mine first"))] + [
            (str(h.pk), f"{h.name} — {h.commune.name}") for h in neighbourhood_choices()]


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Your message"), max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Only this person will read it. Share your phone number "
                                       "only if you wish."))


class HelpfulForm(forms.Form):
    neighbourhood = NeighbourhoodField()
    skills = forms.ModelMultipleChoiceField(
        label=_("I can help with"), queryset=Category.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple)
    what = forms.CharField(label=_("What I can do"), max_length=300)
    when = forms.CharField(label=_("When I am available"), max_length=200)


class TownRequestForm(forms.Form):
    category = CategoryField()
    body = forms.CharField(label=_("What do you need?"), max_length=3000,
                           widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=_("Only the social workers of the town (CCAS) read this."))
    neighbourhood = NeighbourhoodField()
    consent_to_publish = forms.BooleanField(
        label=_("The town may publish my need on the network without my name."),
        required=False)


class ReportForm(forms.Form):
    who = forms.CharField(label=_("Who is it?"),
                          max_length=200, help_text=_("A name or a description, e.g. \"the "
                                                      "elderly man on the 3rd floor\"."))
    where = forms.CharField(label=_("Where can they be found or reached?"),
                            max_length=300)
    why = forms.CharField(label=_("Why are you worried?"),
                          max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                          help_text=_("Describe what you saw. Do not write medical details "
                                      "(illness, treatment)."))


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), widget=forms.RadioSelect, choices=[
        (value, capfirst(label)) for value, label in VulnerabilityReport.Outcome.choices])
    note = forms.CharField(label=_("Note (no medical details)"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    close = forms.BooleanField(label=_("Close this report"), required=False)


class PublishForm(forms.Form):
    kind = forms.ChoiceField(label=_("Offer or request"), choices=Post.Kind.choices,
                             initial="request")
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("Description, without the person's name"),
                                  max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class MatchForm(forms.Form):
    helper = forms.ModelChoiceField(label=_("Helpful neighbour"),
                                    queryset=HelpfulNeighbour.objects.none())

    def __init__(self, *args, helpers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if helpers is not None:
            self.fields["helper"].queryset = helpers
        self.fields["helper"].label_from_instance = (
            lambda h: f"{h.person.full_name} — {h.neighbourhood.name} — {h.what}")


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your answer"), max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class SlipForm(forms.Form):
    box_location = forms.CharField(label=_("Box location"), max_length=200)
    slip_date = forms.DateField(label=_("Date on the slip"),
                                widget=DateInput())
    kind = forms.ChoiceField(label=_("Offer or request"), choices=Post.Kind.choices)
    category = CategoryField()
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("What is asked or offered"), max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    neighbourhood = NeighbourhoodField()
    reach_by = forms.ChoiceField(label=_("How to reach the person"), widget=forms.RadioSelect,
                                 choices=[("phone", _("By phone: the town calls the person")),
                                          ("box", _("Leave an answer at the box"))])
    phone = forms.CharField(label=_("Phone number on the slip (seen only by social workers)"),
                            max_length=32, required=False,
                            widget=forms.TextInput(attrs={"type": "tel"}))


class HelperSearchForm(forms.Form):
    neighbourhood = forms.ChoiceField(label=_("Neighbourhood"), required=False)
    category = forms.ChoiceField(label=_("Skill"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All"))] + [
            (c.code, str(c)) for c in Category.objects.filter(is_active=True)]
        self.fields["neighbourhood"].choices = [("", _("All"))] + [
            (str(h.pk), f"{h.name} — {h.commune.name}") for h in neighbourhood_choices()]


class AssociationForm(forms.Form):
    presentation = forms.CharField(label=_("Presentation"), max_length=4000,
                                   widget=forms.Textarea(attrs={"rows": 5}))
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    neighbourhood = NeighbourhoodField(required=False)
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"), queryset=Category.objects.filter(is_active=True), required=False,
        widget=forms.CheckboxSelectMultiple)


class NewsForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    body = forms.CharField(label=_("Text"), max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 5}))
    language = forms.ChoiceField(label=_("Language you write in"),
                                 choices=native_language_choices)


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    description = forms.CharField(label=_("Description"), max_length=4000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    starts_at = forms.DateTimeField(label=_("Date and time"),
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    place = forms.CharField(label=_("Place"), max_length=200)
    registration = forms.CharField(label=_("How to register"), max_length=200, required=False)
    is_free = forms.BooleanField(label=_("Free"), required=False, initial=True)
    price = forms.CharField(label=_("Price"), max_length=60, required=False)
    language = forms.ChoiceField(label=_("Language you write in"),
                                 choices=native_language_choices)


LANGUAGES = settings.LANGUAGES
