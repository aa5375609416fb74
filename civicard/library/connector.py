"""What the resident sees of a library that lends with its own system: their account there,
asked over SIP2 with their membership number, kept a minute in the cache, and a plain
sentence when the system does not answer."""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from civicard.library.exceptions import LibrarySystemUnreachable
from civicard.library.models import LendingSystem, Library, Membership
from civicard.providers.library_systems import (
    Connection,
    DummySystem,
    LibrarySystem,
    PatronAccount,
    Sip2System,
    SystemUnreachable,
)

CACHE_SECONDS = 60


def system_for(library: Library) -> LibrarySystem:
    """Raises SystemUnreachable for the test system in production: it never answers there."""
    if library.system == LendingSystem.DUMMY:
        if settings.PRODUCTION:
            raise SystemUnreachable("the dummy library system is refused in production")
        return DummySystem()
    return Sip2System(Connection(
        host=library.sip2_host, port=library.sip2_port or 6001, login=library.sip2_login,
        password=library.sip2_password, institution=library.sip2_institution or library.code,
        tls=library.sip2_tls))


def patron_account(membership: Membership) -> PatronAccount:
    """Raises LibrarySystemUnreachable."""
    key = f"library:account:{membership.library_id}:{membership.number}"
    account = cache.get(key)
    if account is None:
        try:
            account = system_for(membership.library).patron_account(membership.number)
        except SystemUnreachable:
            raise LibrarySystemUnreachable() from None
        cache.set(key, account, CACHE_SECONDS)
    return account


@dataclass
class ExternalAccount:
    library: Library
    loans: list
    holds: list
    fines: str
    error: str = ""


def accounts_of(memberships) -> list[ExternalAccount]:
    accounts = []
    for membership in memberships:
        if membership.library.is_built_in:
            continue
        try:
            account = patron_account(membership)
        except LibrarySystemUnreachable as error:
            accounts.append(ExternalAccount(membership.library, [], [], "", error.text()))
            continue
        if not account.known:
            accounts.append(ExternalAccount(membership.library, [], [], "", _(
                "The library's system does not know your membership yet: ask at the desk.")))
            continue
        accounts.append(ExternalAccount(membership.library, account.loans, account.holds,
                                        account.fines))
    return accounts
