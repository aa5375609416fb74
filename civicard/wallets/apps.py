from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalletsConfig(AppConfig):
    name = "civicard.wallets"
    label = "wallets"
    verbose_name = _("Services and wallets")

    def ready(self):
        from civicard.wallets import checks  # noqa: F401
