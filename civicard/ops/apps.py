from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running Civicard: request ids and JSON logs, Prometheus metrics, backups and restores.
    It reads other apps' tables to report on them and is imported by none of them."""

    name = "civicard.ops"
    verbose_name = _("Operations")
