from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChildhoodConfig(AppConfig):
    name = "civicard.childhood"
    label = "childhood"
    verbose_name = _("Childhood and activities")
