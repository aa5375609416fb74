from civicard.core.languages import native_language_choices
from civicard.core.permissions import Role, holds_role, is_staff_member


def civicard(request):
    user = getattr(request, "user", None)
    return {
        "is_staff_member": is_staff_member(user) if user else False,
        "is_counter_agent": holds_role(user, Role.COUNTER_AGENT) if user else False,
        "assisted_person": getattr(request, "assisted_person", None),
        "ui_languages": native_language_choices(),
    }
