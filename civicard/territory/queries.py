from civicard.territory.models import Neighbourhood, Territory


def current_territory() -> Territory | None:
    """The territory this install serves (several per install is a later goal)."""
    return Territory.objects.order_by("pk").first()


def neighbourhood_choices():
    return Neighbourhood.objects.select_related("commune").order_by("commune__name", "name")
