from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    name = "civicard.library"
    label = "library"
    verbose_name = _("Library and toy library")

    def ready(self):
        from civicard.library import signals  # noqa: F401
