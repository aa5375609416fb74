from django import template

from civicard.library import queries

register = template.Library()


@register.inclusion_tag("library/card_memberships.html")
def library_memberships(person):
    """The person's library memberships, for *My card*: the card is their library card."""
    return {"memberships": list(queries.memberships_of(person)) if person else []}


@register.inclusion_tag("library/menu_link.html")
def library_menu_link():
    """The library's entry in the site menu (its words live in the library's catalog)."""
    return {}
