from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "civicard.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from civicard.core import checks, lookups  # noqa: F401
