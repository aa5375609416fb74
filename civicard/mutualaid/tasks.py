from django_tasks import task

from civicard.core import clock


@task()
def erase_expired_reports() -> int:
    """Erase closed or unfounded vulnerable-person reports past the territory's retention.
    Scheduled daily (cron or systemd timer: `civicard erase_expired_reports --enqueue`)."""
    from civicard.mutualaid.operations import erase_expired_reports as erase

    return erase(at=clock.now())
