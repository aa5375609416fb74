from datetime import UTC, datetime

import pytest

from civicard.cards import operations as cards
from civicard.cards.models import CardKind
from civicard.core.permissions import Role
from civicard.library import operations
from civicard.library.catalogue import search_text
from civicard.library.models import Branch, Channel, Copy, ItemKind, Library, Title
from civicard.territory.models import Commune

AT = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
CHIP = "04A1B2C3D4E5F6"


@pytest.fixture
def library(territory):
    library = Library.objects.create(territory=territory, name="Médiathèque", code="media",
                                     commune=Commune.objects.get(name="Nordville"), loan_days=21,
                                     pickup_days=5)
    Branch.objects.create(library=library, code="centre", name="Centre")
    Branch.objects.create(library=library, code="port", name="Le Port")
    return library


@pytest.fixture
def centre(library):
    return library.branches.get(code="centre")


@pytest.fixture
def port(library):
    return library.branches.get(code="port")


@pytest.fixture
def librarian(make_login, library):
    return make_login("librarian@example.org", role=Role.COUNTER_AGENT,
                      commune=library.commune, full_name="Lina Libraire")


def add_title(library, name, *, kind=ItemKind.BOOK, author="", copies=(), pieces=None):
    """copies: (barcode, branch) pairs."""
    title = Title(library=library, title=name, author=author, kind=kind, created_at=AT)
    title.search_text = search_text(title)
    title.save()
    for barcode, branch in copies:
        Copy.objects.create(library=library, title=title, branch=branch, barcode=barcode,
                            pieces=pieces)
    return title


@pytest.fixture
def make_member(make_login, make_household, library, centre, neighbourhood):
    def make(email, *, name=None):
        user = make_login(email, full_name=name)
        make_household(user.person, neighbourhood=neighbourhood)
        membership = operations.join(library=library, person=user.person, home_branch=centre,
                                     actor=user, at=AT)
        return user, membership

    return make


@pytest.fixture
def amina(make_member):
    return make_member("amina@example.org", name="Amina Benali")


@pytest.fixture
def amina_card(amina, agent):
    return cards.issue_card(person=amina[0].person, kind=CardKind.PHYSICAL, actor=agent, at=AT,
                            uid=CHIP)


def lend(membership, copy, librarian, at=AT):
    return operations.lend(membership=membership, person=membership.person, copy=copy,
                           channel=Channel.DESK, actor=librarian, at=at)


def give_back(copy, librarian, at=AT, *, branch=None, **extra):
    """Check the copy in at `branch` (by default, where it was lent from)."""
    copy.refresh_from_db()
    return operations.check_in(copy=copy, branch=branch or copy.branch, channel=Channel.DESK,
                               actor=librarian, at=at, **extra).returned


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
