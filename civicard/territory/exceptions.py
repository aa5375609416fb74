from django.utils.translation import gettext_lazy as _

from civicard.core.errors import DomainError


class TerritoryExists(DomainError):
    code = "territory_exists"
    message = _("This database already serves a territory: setup only starts an empty one.")
    http_status = 409


class CountryUnsupported(DomainError):
    code = "country_unsupported"
    message = _("Civicard does not know the currency and time zone of %(country)s yet: "
                "choose FR, BE, CH or LU.")


class OfficialListInvalid(DomainError):
    """A line of an official list (communes, neighbourhoods) that cannot be used."""

    code = "official_list_invalid"
    message = _("%(file)s, line %(line)s, column %(column)s: %(problem)s")
    http_status = 422


class NoCommuneSelected(DomainError):
    code = "no_commune_selected"
    message = _("No commune of the list matches the codes or the département you gave.")
    http_status = 422
