"""Civicard's own system checks, tagged "civicard" and run by `civicard check --deploy`: each
app registers the ones about its configuration (access: the signing key; wallets: the payment
providers). `/health` reports their findings, by id and message, never a secret."""

from functools import lru_cache

from django.conf import settings
from django.core import checks

TAG = "civicard"


@checks.register(TAG, deploy=True)
def secret_key_check(app_configs, **kwargs):
    if settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        return [checks.Error("CIVICARD_SECRET_KEY is not set: the development key is in use.",
                             hint="Set CIVICARD_SECRET_KEY to a long random value.",
                             id="civicard.E001")]
    return []


@lru_cache(maxsize=1)
def configuration_problems() -> tuple[dict, ...]:
    """What `check --deploy` finds in Civicard's configuration, read once per process (the
    configuration comes from the environment, which does not change while it runs)."""
    found = checks.run_checks(tags=[TAG], include_deployment_checks=True)
    return tuple({"id": problem.id, "message": problem.msg}
                 for problem in sorted(found, key=lambda problem: problem.id)
                 if problem.is_serious())


@checks.register(TAG, deploy=True)
def task_queue_check(app_configs, **kwargs):
    """The queue in Redis must not share the cache's database: a cache may evict keys under
    memory pressure, and `cache.clear()` flushes its whole database (docs/scaling.md)."""
    if (settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
            and settings.CIVICARD_REDIS_URL == settings.REDIS_URL):
        return [checks.Warning(
            "The task queue (CIVICARD_REDIS_URL) and the cache (REDIS_URL) share one Redis "
            "database: clearing or evicting the cache would lose tasks.",
            hint="Give the queue its own database number, e.g. redis://host:6379/1, "
                 "on a Redis that keeps its data (appendonly yes).",
            id="civicard.W301")]
    return []
