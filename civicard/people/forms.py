from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from civicard.core import clock
from civicard.core.languages import native_language_choices
from civicard.core.widgets import DateInput
from civicard.people.models import Person
from civicard.people.operations import register_resident
from civicard.territory.queries import current_territory, neighbourhood_choices


class LanguageField(forms.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=native_language_choices(), **kwargs)


class SignupForm(AllauthSignupForm):
    full_name = forms.CharField(label=_("Your full name"), max_length=200,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    language = LanguageField(label=_("Your language"))

    field_order = ["full_name", "email", "password1", "password2", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = translation.get_language()

    def save(self, request):
        user = super().save(request)
        register_resident(user=user, full_name=self.cleaned_data["full_name"],
                          language=self.cleaned_data["language"],
                          territory=current_territory(), at=clock.now())
        return user


class ChildForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    birth_date = forms.DateField(label=_("Date of birth"),
                                 widget=DateInput())
    language = LanguageField(label=_("Language"))


class InviteGuardianForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the other guardian"))


class AddressForm(forms.Form):
    street = forms.CharField(label=_("Street and number"), max_length=200,
                             widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    postal_code = forms.RegexField(label=_("Postal code"), regex=r"^\d{5}$",
                                   error_messages={"invalid": _("Enter a 5-digit postal code.")},
                                   widget=forms.TextInput(attrs={"autocomplete": "postal-code",
                                                                 "inputmode": "numeric"}))
    neighbourhood = forms.ModelChoiceField(label=_("Neighbourhood"),
                                           queryset=neighbourhood_choices())


class ProfileForm(forms.ModelForm):
    language = LanguageField(label=_("Language"))

    class Meta:
        model = Person
        fields = ["full_name", "preferred_name", "phone", "language"]
        widgets = {"phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"})}


class CounterHouseholdForm(AddressForm):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    birth_date = forms.DateField(label=_("Date of birth"), required=False,
                                 widget=DateInput())
    language = LanguageField(label=_("Language"))
    phone = forms.CharField(label=_("Phone number (optional)"), max_length=32, required=False)
    email = forms.EmailField(label=_("E-mail address (optional)"), required=False)

    field_order = ["full_name", "birth_date", "language", "phone", "email", "street",
                   "postal_code", "neighbourhood"]


class FindHouseholdForm(forms.Form):
    q = forms.CharField(label=_("Name, e-mail, phone or household number"), max_length=100,
                        min_length=2)


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my personal data will be erased and I will not be able to "
                "log in again."))
