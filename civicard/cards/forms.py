from django import forms
from django.utils.translation import gettext_lazy as _

from civicard.cards.models import BlockReason, CardKind


class FindPersonForm(forms.Form):
    q = forms.CharField(label=_("Name, card number, or scan the card"), max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "autofocus": True}))


class SearchPageForm(forms.Form):
    """Which page of a counter search the "Next page" link asks for: the one after the person
    `after`, numbered from `start`. Not part of the search form, so a new search starts over."""

    after = forms.IntegerField(required=False, min_value=1)
    start = forms.IntegerField(required=False, min_value=1, max_value=10_000_000)


class IssueCardForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of card"), choices=CardKind.choices)
    uid = forms.CharField(label=_("Chip number (physical card only)"), required=False,
                          max_length=40, help_text=_("Read it with the card reader."))
    staff = forms.BooleanField(label=_("Staff card"), required=False)


class BlockCardForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why?"), choices=BlockReason.choices)


class ReplaceCardForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why?"), choices=BlockReason.choices)
    uid = forms.CharField(label=_("Chip number of the new card (physical card only)"),
                          required=False, max_length=40)
