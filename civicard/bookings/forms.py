from django import forms
from django.utils.translation import gettext_lazy as _

from civicard.access.models import Checkpoint, Facility
from civicard.bookings.models import Block, Resource
from civicard.mutualaid.models import Association
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
    association = forms.ModelChoiceField(label=_("On behalf of"), required=False,
                                         queryset=Association.objects.none(),
                                         empty_label=_("myself and my household"))

    def __init__(self, *args, members=(), associations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(p.pk, p.display_name) for p in members]
        if not members:
            del self.fields["members"]
        if associations is not None and associations.exists():
            self.fields["association"].queryset = associations
        else:
            del self.fields["association"]

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
                  "no_show_days", "associations_may_book", "association_price_use",
                  "is_active", "by_request", "capacity", "deposit_cents"]
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
        self.fields["deposit_cents"].required = False

    def clean_deposit_cents(self):
        return self.cleaned_data["deposit_cents"] or 0

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


class RentalForm(forms.Form):
    first_day = forms.DateField(label=_("First day"),
                                widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label=_("Last day"), required=False,
                               help_text=_("Leave empty for one day."),
                               widget=forms.DateInput(attrs={"type": "date"}))
    purpose = forms.CharField(label=_("What is it for?"), max_length=200,
                              help_text=_("For example: a birthday, a family meal, a concert."))
    attendance = forms.IntegerField(label=_("How many people do you expect?"), min_value=1,
                                    max_value=100_000)
    helper_1 = forms.CharField(label=_("Card number of a first helper"), required=False,
                               max_length=20,
                               help_text=_("Their card opens the door too. Optional."))
    helper_2 = forms.CharField(label=_("Card number of a second helper"), required=False,
                               max_length=20)
    association = forms.ModelChoiceField(label=_("On behalf of"), required=False,
                                         queryset=Association.objects.none(),
                                         empty_label=_("myself and my household"))

    def __init__(self, *args, associations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if associations is not None and associations.exists():
            self.fields["association"].queryset = associations
        else:
            del self.fields["association"]

    def helper_cards(self) -> list[str]:
        return [self.cleaned_data[name] for name in ("helper_1", "helper_2")
                if self.cleaned_data[name].strip()]


class DepositForm(forms.Form):
    kept = forms.CharField(label=_("Amount kept"), max_length=12, initial="0",
                           help_text=_("0 gives the whole deposit back."))
    reason = forms.CharField(label=_("Reason given to the renter"), max_length=200,
                             required=False,
                             help_text=_("Needed when part of the deposit is kept."))
