from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running Civicard: request ids and JSON logs, Prometheus metrics, backups and restores.
    It reads other apps' tables to report on them and is imported by none of them."""

    name = "civicard.ops"
