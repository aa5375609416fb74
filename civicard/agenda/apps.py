from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgendaConfig(AppConfig):
    name = "civicard.agenda"
    label = "agenda"
    verbose_name = _("What's on")

    def ready(self):
        from civicard.agenda import signals  # noqa: F401
