"""`{{ service.name|local }}`: one of the territory's own names in the reader's language."""

from django import template

from civicard.territory.queries import local_name

register = template.Library()


@register.filter
def local(name):
    return local_name(name)
