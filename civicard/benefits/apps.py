from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenefitsConfig(AppConfig):
    name = "civicard.benefits"
    label = "benefits"
    verbose_name = _("Benefits and vouchers")
