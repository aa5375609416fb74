from django import template

from civicard.childhood import operations
from civicard.core.permissions import holds_role

register = template.Library()


@register.inclusion_tag("childhood/tiles.html", takes_context=True)
def childhood_tiles(context):
    """The home page's tiles for children's activities (a family's, and staff's)."""
    user = context["request"].user
    return {"resident": getattr(context["request"], "resident", None) is not None,
            "staff": holds_role(user, *operations.STAFF_ROLES)}
