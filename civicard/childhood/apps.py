from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChildhoodConfig(AppConfig):
    name = "civicard.childhood"
    label = "childhood"
    verbose_name = _("Childhood and activities")

    def ready(self):
        from civicard.childhood import invoices
        from civicard.wallets.signals import online_payment_settled

        online_payment_settled.connect(invoices.pass_on_online_payment,
                                       dispatch_uid="childhood_invoice_online_payment")
