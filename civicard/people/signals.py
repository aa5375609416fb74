from django.dispatch import Signal

# Sent after a person's identity is erased: apps erase what they hold about them (person, at).
person_erased = Signal()
