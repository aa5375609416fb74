from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MutualAidConfig(AppConfig):
    name = "civicard.mutualaid"
    label = "mutualaid"
    verbose_name = _("Help between neighbours")

    def ready(self):
        from civicard.mutualaid import moderated, signals  # noqa: F401

        moderated.register()
