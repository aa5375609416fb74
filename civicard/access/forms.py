from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from civicard.access.models import Checkpoint, Outcome


class RegisterTerminalForm(forms.Form):
    checkpoint = forms.ModelChoiceField(label=_("Where is it?"), queryset=Checkpoint.objects.none())
    name = forms.CharField(label=_("Name of the terminal"), max_length=120,
                           help_text=_("For example: Pool turnstile 1."))
    language = forms.ChoiceField(label=_("Language of its screen"), choices=settings.LANGUAGES,
                                 initial="fr")

    def __init__(self, *args, checkpoints=None, **kwargs):
        super().__init__(*args, **kwargs)
        if checkpoints is not None:
            self.fields["checkpoint"].queryset = checkpoints


class LogFilterForm(forms.Form):
    facility = forms.TypedChoiceField(label=_("Place"), required=False, coerce=int,
                                      empty_value=None)
    outcome = forms.ChoiceField(label=_("Result"), required=False,
                                choices=[("", _("All"))] + list(Outcome.choices))
    reason = forms.ChoiceField(label=_("Reason"), required=False)

    def __init__(self, *args, facilities=(), reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].choices = [("", _("All"))] + [(f.pk, f.name) for f in facilities]
        self.fields["reason"].choices = [("", _("All"))] + list(reasons)
