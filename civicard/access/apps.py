from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "civicard.access"
    label = "access"
    verbose_name = _("Access and terminals")

    def ready(self):
        from civicard.access import checks, signals  # noqa: F401
