from django_tasks import task

from civicard.core import clock


@task()
def send_deadline_reminders() -> int:
    """Booking deadlines of the next two days, each told once. Scheduled daily (cron or the
    systemd timer: `civicard childhood_reminders --enqueue`)."""
    from civicard.childhood.reminders import send_deadline_reminders as send

    return send(at=clock.now())
