from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from civicard.library.models import ItemKind


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Title, author or ISBN"), max_length=100, required=False)
    library = forms.TypedChoiceField(label=_("Library"), coerce=int, required=False,
                                     empty_value=None)
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("All kinds")), *ItemKind.choices])

    def __init__(self, *args, libraries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].choices = [("", _("All libraries"))] + [
            (library.pk, library.name) for library in libraries]


class HoldForm(forms.Form):
    pickup_branch = forms.TypedChoiceField(label=_("Where will you collect it?"), coerce=int)

    def __init__(self, *args, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pickup_branch"].choices = [(b.pk, b.name) for b in branches]


class JoinForm(forms.Form):
    home_branch = forms.TypedChoiceField(label=_("Your usual branch"), coerce=int)
    share_with_library_system = forms.BooleanField(
        label=_("The library may copy my name, e-mail and date of birth into its own system."),
        required=False)

    def __init__(self, *args, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_branch"].choices = [(b.pk, b.name) for b in branches]


class LendForm(forms.Form):
    patron = forms.CharField(label=_("Scan the member's card"), max_length=200,
                             help_text=_("The chip, the phone's code, or the membership number."))
    item = forms.CharField(label=_("Scan the item"), max_length=40)


class ReturnForm(forms.Form):
    item = forms.CharField(label=_("Scan the item brought back"), max_length=40)
    pieces = forms.IntegerField(label=_("Pieces counted (games)"), min_value=0, max_value=9999,
                                required=False)
    branch = forms.TypedChoiceField(label=_("Branch where you are"), coerce=int)

    def __init__(self, *args, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = [(b.pk, b.name) for b in branches]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("MARC or CSV file"))
    all_or_nothing = forms.BooleanField(label=_("Import nothing if one record has an error"),
                                        required=False)


class CatalogueSearchForm(forms.Form):
    q = forms.CharField(label=_("Title, author or ISBN"), max_length=100, required=False)


class TitleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    author = forms.CharField(label=_("Author"), max_length=200, required=False)
    publisher = forms.CharField(label=_("Publisher"), max_length=200, required=False)
    year = forms.IntegerField(label=_("Year"), min_value=1000, max_value=2100, required=False)
    isbn = forms.CharField(label=_("ISBN"), max_length=20, required=False, validators=[
        RegexValidator(r"^[0-9Xx-]*$", _("An ISBN has only digits, dashes and the letter X."))])


class CopyForm(forms.Form):
    barcode = forms.CharField(label=_("Barcode"), max_length=40)
    pieces = forms.IntegerField(label=_("Number of pieces (games)"), min_value=1,
                                max_value=9999, required=False)


class NewCopyForm(CopyForm):
    branch = forms.TypedChoiceField(label=_("Branch"), coerce=int)

    def __init__(self, *args, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = [(b.pk, b.name) for b in branches]
