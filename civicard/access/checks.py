from django.core import checks

from civicard.access import signing
from civicard.access.exceptions import SigningKeyUnusable
from civicard.core.checks import TAG


@checks.register(TAG, deploy=True)
def signing_key_check(app_configs, **kwargs):
    """Terminals verify allow-lists with the server's key: it must come from the environment."""
    try:
        key = signing.configured_key()
    except SigningKeyUnusable as error:
        return [checks.Error(error.text(), id="civicard.E101")]
    if key is None:
        return [checks.Error(str(SigningKeyUnusable.message),
                             hint="See docs/operator-guide.md, 'Terminal signing key'.",
                             id="civicard.E101")]
    return []
