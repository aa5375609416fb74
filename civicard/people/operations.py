"""Every write about people, households, roles and assisted sessions."""

import secrets
from datetime import date, datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicard.core import audit
from civicard.core.errors import InvalidInput
from civicard.core.permissions import Role, check_role
from civicard.people.exceptions import (
    AccountExists,
    AlreadyMember,
    BirthDateInvalid,
    InvitationInvalid,
    InvitationWrongAccount,
    NoAssistedSession,
    NotAGuardian,
)
from civicard.people.models import (
    AssistedSession,
    GuardianInvitation,
    Household,
    Membership,
    Person,
    RoleAssignment,
    User,
)
from civicard.people.signals import person_erased
from civicard.territory.models import Address, IncomeBracket, Neighbourhood, Territory
from civicard.territory.operations import create_address

INVITATION_VALIDITY = timedelta(days=14)


def check_birth_date(birth_date: date | None, *, today: date) -> None:
    if birth_date and not (today.replace(year=today.year - 120) <= birth_date <= today):
        raise BirthDateInvalid(fields={"birth_date": [BirthDateInvalid.message]})


def check_guardian(person: Person | None, household: Household) -> None:
    if person is None or not household.memberships.filter(person=person,
                                                         is_guardian=True).exists():
        raise NotAGuardian()


def _create_person(*, full_name: str, at: datetime, **details) -> Person:
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise InvalidInput(fields={"full_name": [_("Enter the person's full name.")]})
    check_birth_date(details.get("birth_date"), today=timezone.localdate(at))
    return Person.objects.create(full_name=full_name, **details)


@transaction.atomic
def register_resident(*, user: User, full_name: str, language: str, territory: Territory,
                      at: datetime) -> Person:
    """A resident who signed up: their person and a household of which they are guardian."""
    person = _create_person(full_name=full_name, at=at, user=user, language=language,
                            email=user.email)
    household = Household.objects.create(territory=territory)
    Membership.objects.create(household=household, person=person, is_guardian=True)
    audit.record(actor=user, action="household.created", obj=household, at=at)
    return person


@transaction.atomic
def add_member(*, household: Household, full_name: str, birth_date: date | None, language: str,
               by: Person, actor: User, at: datetime, acting_for: Person | None = None) -> Person:
    """A guardian adds a child (or another dependant) to their household."""
    check_guardian(by, household)
    person = _create_person(full_name=full_name, birth_date=birth_date, language=language, at=at)
    Membership.objects.create(household=household, person=person, is_guardian=False)
    audit.record(actor=actor, action="household.member_added", obj=household,
                 extra={"person_id": person.pk}, acting_for=acting_for, at=at)
    return person


@transaction.atomic
def attach_member(*, household: Household, person: Person, is_guardian: bool, actor: User,
                  at: datetime) -> Membership:
    """A counter agent adds an existing person to another household (separated parents)."""
    check_role(actor, Role.COUNTER_AGENT, commune_id=household.commune_id)
    if household.memberships.filter(person=person).exists():
        raise AlreadyMember()
    membership = Membership.objects.create(household=household, person=person,
                                           is_guardian=is_guardian)
    audit.record(actor=actor, action="household.member_attached", obj=household,
                 extra={"person_id": person.pk, "guardian": is_guardian}, at=at)
    return membership


@transaction.atomic
def invite_guardian(*, household: Household, email: str, by: Person, actor: User,
                    at: datetime) -> GuardianInvitation:
    from civicard.notifications.operations import absolute_url, send_email

    check_guardian(by, household)
    invitation = GuardianInvitation.objects.create(
        household=household, email=email.strip().lower(), token=secrets.token_urlsafe(32),
        invited_by=by, created_at=at,
    )
    audit.record(actor=actor, action="household.guardian_invited", obj=household, at=at)
    send_email(
        to=invitation.email,
        language=by.language,
        subject=_("%(name)s invites you to manage their household on Civicard"),
        body=_(
            "Hello,\n\n%(name)s invites you to be a guardian of their household on Civicard.\n"
            "Open this link to accept (valid 14 days):\n%(link)s\n"
        ),
        params={"name": by.display_name,
                "link": absolute_url(reverse("people:accept_invitation",
                                             args=[invitation.token]))},
    )
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, user: User, at: datetime) -> Household:
    invitation = (GuardianInvitation.objects.select_for_update()
                  .filter(token=token, accepted_at__isnull=True).first())
    if invitation is None or invitation.created_at + INVITATION_VALIDITY < at:
        raise InvitationInvalid()
    if invitation.email != user.email.lower():
        raise InvitationWrongAccount()
    person = user.person
    if invitation.household.memberships.filter(person=person).exists():
        raise AlreadyMember()
    Membership.objects.create(household=invitation.household, person=person, is_guardian=True)
    invitation.accepted_at = at
    invitation.accepted_by = person
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(actor=user, action="household.guardian_joined", obj=invitation.household, at=at)
    return invitation.household


@transaction.atomic
def update_profile(*, person: Person, full_name: str, preferred_name: str, phone: str,
                   language: str, actor: User, at: datetime,
                   acting_for: Person | None = None) -> Person:
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise InvalidInput(fields={"full_name": [_("Enter the person's full name.")]})
    person.full_name, person.preferred_name = full_name, preferred_name.strip()
    person.phone, person.language = phone.strip(), language
    person.save(update_fields=["full_name", "preferred_name", "phone", "language"])
    audit.record(actor=actor, action="person.profile_updated", obj=person,
                 acting_for=acting_for, at=at)
    return person


def set_language(*, person: Person, language: str) -> None:
    Person.objects.filter(pk=person.pk).update(language=language)
    person.language = language


@transaction.atomic
def set_income_bracket(*, household: Household, bracket: IncomeBracket | None, actor: User,
                       at: datetime) -> Household:
    check_role(actor, Role.COUNTER_AGENT, Role.SERVICE_MANAGER, commune_id=household.commune_id)
    household.income_bracket = bracket
    household.save(update_fields=["income_bracket"])
    audit.record(actor=actor, action="household.income_bracket_set", obj=household, at=at)
    return household


@transaction.atomic
def create_household_at_counter(
    *, territory: Territory, full_name: str, birth_date: date | None, language: str,
    phone: str, email: str, street: str, postal_code: str, neighbourhood: Neighbourhood,
    actor: User, at: datetime,
) -> Household:
    """An agent registers a household for someone who may have no e-mail and no phone."""
    check_role(actor, Role.COUNTER_AGENT, commune_id=neighbourhood.commune_id)
    person = _create_person(full_name=full_name, birth_date=birth_date, language=language,
                            phone=phone.strip(), email=email.strip(), at=at)
    address = create_address(street=street, postal_code=postal_code,
                             neighbourhood=neighbourhood)
    household = Household.objects.create(territory=territory, address=address)
    Membership.objects.create(household=household, person=person, is_guardian=True)
    audit.record(actor=actor, action="household.created_at_counter", obj=household, at=at)
    return household


@transaction.atomic
def set_address(*, household: Household, street: str, postal_code: str,
                neighbourhood: Neighbourhood, by: Person, actor: User, at: datetime) -> Address:
    check_guardian(by, household)
    address = create_address(street=street, postal_code=postal_code,
                             neighbourhood=neighbourhood)
    household.address = address
    household.save(update_fields=["address"])
    audit.record(actor=actor, action="household.address_set", obj=household, at=at)
    return address


def create_first_administrator(*, email: str, password: str, full_name: str, language: str,
                               at: datetime) -> User:
    """The administrator a new install starts with; like every staff member, they must set up
    two-step login (TOTP) when they first log in."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise InvalidInput(fields={"email": error.messages}) from None
    try:
        validate_password(password)
    except ValidationError as error:
        raise InvalidInput(fields={"password": error.messages}) from None
    with transaction.atomic():
        if User.objects.filter(email__iexact=email).exists():
            raise AccountExists(fields={"email": [AccountExists.message]})
        user = User.objects.create_user(email, password)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        _create_person(full_name=full_name, language=language, email=email, at=at, user=user)
        assign_role(user=user, role=Role.ADMINISTRATOR, actor=None, at=at)
    return user


@transaction.atomic
def assign_role(*, user: User, role: str, commune=None, actor: User | None,
                at: datetime) -> RoleAssignment:
    assignment, _created = RoleAssignment.objects.get_or_create(user=user, role=role,
                                                                commune=commune)
    if role == Role.ADMINISTRATOR:  # the Django admin site is the administrators' tool
        User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    audit.record(actor=actor, action="role.assigned", obj=assignment,
                 extra={"role": role, "user_id": user.pk}, at=at)
    return assignment


@transaction.atomic
def start_assisted_session(*, agent: User, person: Person, at: datetime) -> AssistedSession:
    commune_ids = {m.household.commune_id for m in person.memberships.select_related(
        "household__address__neighbourhood")}
    check_role(agent, Role.COUNTER_AGENT, commune_id=next(iter(commune_ids), None))
    AssistedSession.objects.filter(agent=agent, ended_at__isnull=True).update(ended_at=at)
    session = AssistedSession.objects.create(agent=agent, person=person, started_at=at)
    audit.record(actor=agent, action="assisted_session.started", obj=session,
                 acting_for=person, at=at)
    return session


@transaction.atomic
def end_assisted_session(*, agent: User, at: datetime) -> AssistedSession:
    session = AssistedSession.objects.filter(agent=agent, ended_at__isnull=True).first()
    if session is None:
        raise NoAssistedSession()
    session.ended_at = at
    session.save(update_fields=["ended_at"])
    audit.record(actor=agent, action="assisted_session.ended", obj=session,
                 acting_for=session.person, at=at)
    return session


@transaction.atomic
def erase_person(*, person: Person, actor: User, at: datetime) -> None:
    """Erase a person's identity. What must stay (payments, audit) stays, pointing at a person
    row that no longer says who they were; their login can never be used again."""
    user = person.user
    person.full_name = ""
    person.preferred_name = ""
    person.birth_date = None
    person.email = ""
    person.phone = ""
    person.erased_at = at
    person.save()
    for membership in person.memberships.select_related("household"):
        household = membership.household
        others = household.memberships.exclude(person=person).filter(person__erased_at=None)
        if not others.exists() and household.address_id:
            address = household.address
            household.address = None
            household.save(update_fields=["address"])
            if not address.households.exists():
                address.delete()
    GuardianInvitation.objects.filter(email__iexact=(user.email if user else ""),
                                      accepted_at=None).delete()
    if user is not None:
        from allauth.account.models import EmailAddress
        from allauth.mfa.models import Authenticator

        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        user.email = f"erased-{user.pk}@erased.invalid"
        user.is_active = False
        user.set_unusable_password()
        user.save()
    audit.record(actor=actor, action="person.erased", obj=person, at=at)
    person_erased.send(sender=Person, person=person, at=at)
