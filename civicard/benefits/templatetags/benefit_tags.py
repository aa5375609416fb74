from django import template

from civicard.core.money import format_cents

register = template.Library()


@register.filter
def cents(value, currency="EUR"):
    return format_cents(int(value or 0), currency)


@register.simple_tag
def benefit_desks(user):
    """Which benefits desks the user may open: {"venue", "social", "funder"}."""
    from civicard.core.permissions import Role, holds_role

    if not getattr(user, "is_authenticated", False):
        return set()
    desks = set()
    links = user.benefit_links
    if holds_role(user, Role.VENUE_STAFF) and links.filter(venue__isnull=False).exists():
        desks.add("venue")
    if holds_role(user, Role.SOCIAL_WORKER) and user.benefit_links.filter(
            social_service__isnull=False).exists():
        desks.add("social")
    if holds_role(user, Role.SERVICE_MANAGER) and user.benefit_links.filter(
            funder__isnull=False).exists():
        desks.add("funder")
    return desks
