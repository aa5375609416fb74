"""Roles and their scope. A role is held territory-wide or for one commune; an administrator
holds every role everywhere. Object-level checks build on `holds_role(..., commune=...)`."""

from functools import wraps

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicard.core.errors import PermissionRefused


class Role(models.TextChoices):
    COUNTER_AGENT = "counter_agent", _("Counter agent")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    MEDIATOR = "mediator", _("Digital mediator")
    VENUE_STAFF = "venue_staff", _("Venue staff")
    ASSOCIATION_EDITOR = "association_editor", _("Association editor")
    MODERATOR = "moderator", _("Moderator")
    ADMINISTRATOR = "administrator", _("Administrator")


def role_scopes(user) -> dict[str, set]:
    """{role: {commune_id or None}} for the user, read once per request object."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, "_civicard_role_scopes", None)
    if cached is None:
        cached = {}
        for role, commune_id in user.role_assignments.values_list("role", "commune_id"):
            cached.setdefault(role, set()).add(commune_id)
        user._civicard_role_scopes = cached
    return cached


def is_staff_member(user) -> bool:
    return bool(role_scopes(user)) or getattr(user, "is_superuser", False)


def holds_role(user, *roles: str, commune_id=None) -> bool:
    """True if the user holds one of `roles`, for `commune_id` when given (None scope = all)."""
    scopes = role_scopes(user)
    if Role.ADMINISTRATOR in scopes or getattr(user, "is_superuser", False):
        return True
    for role in roles:
        communes = scopes.get(role)
        if communes and (None in communes or commune_id is None or commune_id in communes):
            return True
    return False


def check_role(user, *roles: str, commune_id=None) -> None:
    if not holds_role(user, *roles, commune_id=commune_id):
        raise PermissionRefused()


def role_required(*roles: str):
    """View decorator: anonymous → log-in page; a user without the role → 403 page."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            check_role(request.user, *roles)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def role_communes(user, *roles: str) -> set | None:
    """The communes where the user holds one of `roles`: None when held territory-wide
    (or as administrator), an empty set when not held at all. For filtering reads."""
    scopes = role_scopes(user)
    if Role.ADMINISTRATOR in scopes or getattr(user, "is_superuser", False):
        return None
    communes = set()
    for role in roles:
        held = scopes.get(role, set())
        if None in held:
            return None
        communes |= held
    return communes


def check_role_over(user, *roles: str, commune_id) -> None:
    """check_role for an object that belongs to `commune_id`. An object of no commune belongs
    to the whole territory, so only a territory-wide role covers it (check_role would let any
    commune's holder through)."""
    communes = role_communes(user, *roles)
    if communes is not None and commune_id not in communes:
        raise PermissionRefused()
