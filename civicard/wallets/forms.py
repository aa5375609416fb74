import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from civicard.core.errors import DomainError
from civicard.core.money import parse_amount
from civicard.core.widgets import DateInput
from civicard.territory.models import IncomeBracket
from civicard.wallets.models import Means, Service, ShortageRule


class AmountField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Amount"))
        kwargs.setdefault("help_text", _("For example 20 or 12.50"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def clean(self, value):
        value = super().clean(value)
        try:
            return parse_amount(value)
        except DomainError as error:
            raise forms.ValidationError(error.text()) from None


class KeyedForm(forms.Form):
    """A hidden request key: pressing the button twice records one movement."""

    request_key = forms.CharField(widget=forms.HiddenInput, max_length=80)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["request_key"].initial = uuid.uuid4().hex


class OnlineTopUpForm(forms.Form):
    amount = AmountField()


class CounterTopUpForm(KeyedForm):
    amount = AmountField()
    means = forms.ChoiceField(label=_("Paid by"), choices=[
        (Means.CASH, Means.CASH.label), (Means.CHEQUE, Means.CHEQUE.label),
        (Means.BANK_CARD, Means.BANK_CARD.label)])


class RefundForm(KeyedForm):
    amount = AmountField()
    reason = forms.CharField(label=_("Why"), max_length=200)


class TransferForm(KeyedForm):
    amount = AmountField()
    target = forms.TypedChoiceField(label=_("To the account"), coerce=int)
    reason = forms.CharField(label=_("Why"), max_length=200)

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [(a.pk, a.service.name) for a in targets]


class CashReportForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DateInput())


class ServiceForm(forms.ModelForm):
    floor = forms.CharField(label=_("Lowest balance allowed (e.g. -30)"), required=False,
                            help_text=_("Only for serve and go negative. Empty: no limit."))

    class Meta:
        model = Service
        fields = ["name", "payment_mode", "shortage_rule", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.floor_cents is not None:
            self.fields["floor"].initial = f"{self.instance.floor_cents / 100:.2f}"

    def clean(self):
        data = super().clean()
        text = (data.get("floor") or "").strip().lstrip("-").strip()
        if text and data.get("shortage_rule") == ShortageRule.SERVE_AND_GO_NEGATIVE:
            try:
                self.instance.floor_cents = -parse_amount(text, allow_zero=True)
            except DomainError as error:
                self.add_error("floor", error.text())
        else:
            self.instance.floor_cents = None
        return data


class TariffForm(forms.Form):
    use = forms.SlugField(label=_("Use"), initial="use", max_length=40,
                          help_text=_("What is paid, e.g. meal, entry, hour."))
    income_bracket = forms.ModelChoiceField(label=_("Income bracket"), required=False,
                                            queryset=IncomeBracket.objects.none(),
                                            empty_label=_("Any bracket"))
    resident = forms.NullBooleanField(label=_("Residency"), required=False,
                                      widget=forms.Select(choices=[
                                          ("unknown", _("Residents and non-residents")),
                                          ("true", _("Residents only")),
                                          ("false", _("Non-residents only"))]))
    amount = AmountField(label=_("Price"))
    valid_from = forms.DateField(label=_("Valid from"),
                                 widget=DateInput())

    def __init__(self, *args, territory=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["income_bracket"].queryset = IncomeBracket.objects.filter(
            territory=territory)


class EnrolmentForm(forms.Form):
    household = forms.IntegerField(label=_("Household number"), min_value=1)
    starts_on = forms.DateField(label=_("From"), widget=DateInput())
    ends_on = forms.DateField(label=_("Until (optional)"), required=False,
                              widget=DateInput())
    min_age = forms.IntegerField(label=_("Minimum age (optional)"), required=False,
                                 min_value=0, max_value=120)
    max_age = forms.IntegerField(label=_("Maximum age (optional)"), required=False,
                                 min_value=0, max_value=120)
