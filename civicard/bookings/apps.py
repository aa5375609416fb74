from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "civicard.bookings"
    label = "bookings"
    verbose_name = _("Bookings")

    def ready(self):
        from civicard.access.decisions import rights
        from civicard.bookings import door

        rights.register(door.SOURCE)
