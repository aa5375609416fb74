"""Production settings for `collectstatic` in the smoke test: the same hashed names and manifest,
without the .gz and .br copies, whose compression is most of the step's time and which the
server only prefers when present."""

from civicard.settings import *  # noqa: F403
from civicard.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
