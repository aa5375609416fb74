from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from civicard.childhood import operations
from civicard.childhood.models import ContractLineKind
from civicard.core.permissions import holds_role

register = template.Library()


@register.inclusion_tag("childhood/tiles.html", takes_context=True)
def childhood_tiles(context):
    """The home page's tiles for children's activities (a family's, and staff's)."""
    user = context["request"].user
    return {"resident": getattr(context["request"], "resident", None) is not None,
            "staff": holds_role(user, *operations.STAFF_ROLES)}


@register.filter
def hours(minutes) -> str:
    """Minutes written as hours and minutes: "45 h", "1 h 30"."""
    whole, rest = divmod(int(minutes or 0), 60)
    if rest:
        return _("%(hours)d h %(minutes)02d") % {"hours": whole, "minutes": rest}
    return _("%(hours)d h") % {"hours": whole}


@register.filter
def ltr(number) -> str:
    """An invoice's number kept left to right on a right-to-left page (Arabic): "2026-000002",
    not "000002-2026"."""
    return format_html('<bdi dir="ltr">{}</bdi>', number)


@register.filter
def contract_line_label(kind: str) -> str:
    return ContractLineKind(kind).label
