from django import forms
from django.utils.translation import gettext_lazy as _

from civicard.access.models import Checkpoint, Facility
from civicard.bookings.models import Block, Resource
from civicard.territory.models import Commune
from civicard.wallets.models import Service


class BookForm(forms.Form):
    start = forms.DateTimeField(widget=forms.HiddenInput)
    companions = forms.CharField(
        label=_("Card numbers of your companions"), required=False, max_length=200,
        help_text=_("Separate the numbers with commas. Their cards open the door too."))
    members = forms.TypedMultipleChoiceField(label=_("Members of your household who come"),
                                             required=False, coerce=int,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(p.pk, p.display_name) for p in members]
        if not members:
            del self.fields["members"]

    def card_numbers(self) -> list[str]:
        return [n for n in self.cleaned_data["companions"].replace(";", ",").split(",")
                if n.strip()]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason given to the household"), max_length=200)


class ResourceForm(forms.ModelForm):
    class Meta:
        model = Resource
        fields = ["facility", "name", "kind", "checkpoints", "service", "price_use",
                  "slot_minutes", "opening_hours", "book_ahead_days", "book_until_minutes",
                  "cancel_until_hours", "max_future_bookings", "max_companions",
                  "door_margin_minutes", "who_may_book", "communes", "no_shows_to_bar",
                  "no_show_days", "is_active"]
        widgets = {"checkpoints": forms.CheckboxSelectMultiple,
                   "communes": forms.CheckboxSelectMultiple}

    def __init__(self, *args, facilities=None, checkpoints=None, services=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities if facilities is not None \
            else Facility.objects.none()
        self.fields["checkpoints"].queryset = checkpoints if checkpoints is not None \
            else Checkpoint.objects.none()
        self.fields["service"].queryset = services if services is not None \
            else Service.objects.none()
        self.fields["communes"].queryset = Commune.objects.order_by("name")

    def _post_clean(self):  # the operation validates and saves (civicard.bookings.operations)
        opts = self._meta
        self.instance = forms.models.construct_instance(self, self.instance, opts.fields,
                                                        opts.exclude)


class BlockForm(forms.ModelForm):
    class Meta:
        model = Block
        fields = ["weekday", "starts", "ends", "reason"]
        widgets = {"starts": forms.TimeInput(attrs={"type": "time"}),
                   "ends": forms.TimeInput(attrs={"type": "time"})}

    def _post_clean(self):
        pass
