from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    """Holds the `civicard terminal-sim` command; no models."""

    name = "civicard.simulator"
    label = "simulator"
