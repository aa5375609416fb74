from django.conf import settings
from django.core import checks

from civicard.core.checks import TAG
from civicard.providers.payments import PROVIDERS, DummyProvider


@checks.register(TAG, deploy=True)
def payment_providers_check(app_configs, **kwargs):
    """The dummy bank pays without money: never on a real install; unknown names are typos."""
    found = []
    if DummyProvider.name in settings.CIVICARD_PAYMENT_PROVIDERS:
        found.append(checks.Error(
            "The dummy payment provider is enabled: any resident could credit their own wallet.",
            hint="Remove 'dummy' from CIVICARD_PAYMENT_PROVIDERS.", id="civicard.E201"))
    unknown = [name for name in settings.CIVICARD_PAYMENT_PROVIDERS if name not in PROVIDERS]
    if unknown:
        found.append(checks.Error(f"Unknown payment providers: {', '.join(unknown)}.",
                                  id="civicard.E202"))
    return found
