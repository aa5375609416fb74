from django import template

from civicard.core.permissions import Role, holds_role

register = template.Library()


@register.filter
def is_service_manager(user) -> bool:
    return holds_role(user, Role.SERVICE_MANAGER)
