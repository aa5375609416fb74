from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicard.core.permissions import Role
from civicard.core.text import searchable
from civicard.notifications.addressee import Addressee
from civicard.territory.models import Address, Commune, IncomeBracket, Territory


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        return self.create_user(email, password, is_staff=True, is_superuser=True, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. The person behind it (name, language, households) is `user.person`."""

    email = models.EmailField(_("e-mail address"), unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("can use the admin site"), default=False)
    date_joined = models.DateTimeField(_("joined"), auto_now_add=True)

    objects = UserManager()
    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    class Meta:
        verbose_name = _("login")
        verbose_name_plural = _("logins")

    def __str__(self):
        return self.email


class Person(models.Model):
    """Anyone the territory serves: an adult with a login, a child, a person with no e-mail."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="person")
    full_name = models.CharField(_("full name"), max_length=200)
    # The full name as the counter search compares it (see core.text.searchable).
    search_name = models.CharField(max_length=200, editable=False, default="", db_default="")
    preferred_name = models.CharField(
        _("name to call you by"), max_length=100, blank=True,
        help_text=_("Leave empty to use your first name."),
    )
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES,
                                default="fr")
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone number"), max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["full_name"]),
                   models.Index(fields=["birth_date"], name="people_person_birth_date")]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        self.search_name = searchable(self.full_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    @property
    def addressee(self) -> Addressee:
        """Where a notice to this person goes: their inbox, their address (none once their
        data is erased) and their language."""
        email = self.email or (self.user.email if self.user_id else "")
        return Addressee(person_id=self.pk, email="" if self.erased_at else email,
                         language=self.language)

    @property
    def display_name(self) -> str:
        if self.erased_at:
            return str(_("Erased person"))
        return self.preferred_name or (self.full_name.split() or [""])[0]


class Household(models.Model):
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="households")
    address = models.ForeignKey(Address, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="households", verbose_name=_("address"))
    income_bracket = models.ForeignKey(
        IncomeBracket, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("income bracket (quotient familial)"),
    )
    members = models.ManyToManyField(Person, through="Membership", related_name="households")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self):
        return str(_("Household no. %(number)s") % {"number": self.pk})

    @property
    def commune_id(self):
        return self.address.neighbourhood.commune_id if self.address_id else None


class Membership(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE,
                                  related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    is_guardian = models.BooleanField(_("guardian"), default=False)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        constraints = [
            models.UniqueConstraint(fields=["household", "person"], name="membership_unique")
        ]

    def __str__(self):
        return f"{self.person} — {self.household}"


class GuardianInvitation(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE,
                                  related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = _("guardian invitation")
        verbose_name_plural = _("guardian invitations")

    def __str__(self):
        return f"{self.email} → {self.household}"


class RoleAssignment(models.Model):
    """A staff role held by a login, for the whole territory or one commune."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, blank=True,
                                verbose_name=_("commune (empty: whole territory)"))

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "commune"], name="role_assignment_unique_commune"
            ),
            models.UniqueConstraint(
                fields=["user", "role"], condition=models.Q(commune__isnull=True),
                name="role_assignment_unique_territory",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()}"


class AssistedSession(models.Model):
    """A counter agent acting for a resident at the desk; every action in it is audited."""

    agent = models.ForeignKey(User, on_delete=models.PROTECT, related_name="assisted_sessions")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("assisted session")
        verbose_name_plural = _("assisted sessions")

    def __str__(self):
        return f"{self.agent} → {self.person}"
