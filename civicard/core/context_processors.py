from civicard.core.languages import native_language_choices
from civicard.core.permissions import Role, holds_role, role_scopes


def civicard(request):
    user = getattr(request, "user", None)
    return {
        "is_counter_agent": holds_role(user, Role.COUNTER_AGENT) if user else False,
        "staff_roles": _roles(user),
        "assisted_person": getattr(request, "assisted_person", None),
        "ui_languages": native_language_choices(),
    }


def _roles(user) -> set[str]:
    """The staff roles the user holds (every role for an administrator), for menus and tiles."""
    if user is None or not user.is_authenticated:
        return set()
    if holds_role(user, Role.ADMINISTRATOR):
        return set(Role.values)
    return set(role_scopes(user))
