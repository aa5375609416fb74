from django.dispatch import Signal

# Sent after a person's identity is erased: apps erase what they hold about them (person, at).
person_erased = Signal()

# Sent while a person's data export is built (person): each receiver returns a pair
# (section name, JSON-ready data) that the export adds under that name.
collect_person_data = Signal()
