from django import forms
from django.utils.translation import gettext_lazy as _

from civicard.benefits.models import AgeBracket
from civicard.territory.queries import local_name, neighbourhood_choices


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Voucher code or card"), max_length=200,
        help_text=_("Type the code printed on the voucher, or scan it or the card's QR code."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false", "autofocus": True}))


class ConfirmForm(forms.Form):
    credential = forms.CharField(widget=forms.HiddenInput, max_length=200)
    key = forms.CharField(widget=forms.HiddenInput, max_length=120)
    service = forms.ChoiceField(label=_("Service given"), required=False, choices=[])

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        if services:
            self.fields["service"].choices = [("", _("Choose…"))] + [
                (s, local_name(s)) for s in services]
            self.fields["service"].required = True
        else:
            del self.fields["service"]


class HandOutForm(forms.Form):
    card_number = forms.CharField(
        label=_("Card number of the person"), max_length=30, required=False,
        help_text=_("If the person has a Civicard card. Otherwise leave empty and fill in the "
                    "two fields below: nothing else about them is kept."))
    age_bracket = forms.ChoiceField(label=_("Age bracket"), required=False,
                                    choices=[("", "—")] + list(AgeBracket.choices))
    neighbourhood = forms.ModelChoiceField(label=_("Neighbourhood"), required=False,
                                           queryset=neighbourhood_choices())


class BookletSearchForm(forms.Form):
    q = forms.CharField(label=_("Booklet number"), max_length=20, required=False)


class NoticesForm(forms.Form):
    monthly_notices = forms.BooleanField(
        label=_("Tell me when my free entries arrive and 3 days before they lapse"),
        required=False)


class BatchForm(forms.Form):
    count = forms.IntegerField(label=_("Number of booklets"), min_value=1, max_value=5000)
    social_service = forms.ModelChoiceField(label=_("Social service that hands them out"),
                                            queryset=None)

    def __init__(self, *args, **kwargs):
        from civicard.benefits.models import SocialService

        super().__init__(*args, **kwargs)
        self.fields["social_service"].queryset = SocialService.objects.order_by("name")
