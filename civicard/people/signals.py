from django.dispatch import Signal

# Sent after a person's identity is erased: apps erase what they hold about them (person, at).
person_erased = Signal()

# Sent when a person downloads their data (person): each app's receiver returns a dict of the
# sections it holds about them, merged into /me/export.json.
person_exported = Signal()
