from civicard.notifications.models import Notification


def inbox_of(person, *, limit: int = 50):
    if person is None:
        return Notification.objects.none()
    return Notification.objects.filter(person=person)[:limit]


def unread_count(person) -> int:
    if person is None:
        return 0
    return Notification.objects.filter(person=person, read_at__isnull=True).count()
