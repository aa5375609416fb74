"""Writes of the territory: addresses that households give."""

from civicard.territory.models import Address, Neighbourhood


def create_address(*, street: str, postal_code: str, neighbourhood: Neighbourhood) -> Address:
    return Address.objects.create(street=street.strip(), postal_code=postal_code.strip(),
                                  neighbourhood=neighbourhood)
