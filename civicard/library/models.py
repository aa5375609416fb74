"""Libraries and toy libraries: memberships kept on the card, a catalogue of titles and copies,
loans, returns and holds. Loans, renewals, returns and every step of a hold are rows that are
never edited, only followed by another row; a copy's `state` is the one summary that moves, and
it moves only under the title's row lock (see operations)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicard.core.append_only import AppendOnlyModel
from civicard.core.lookups import FullTextColumn
from civicard.people.models import Household, Person
from civicard.territory.models import Commune, Territory


class LibraryKind(models.TextChoices):
    LIBRARY = "library", _("library")
    TOY_LIBRARY = "toy_library", _("toy library")


class MembershipScope(models.TextChoices):
    PERSON = "person", _("one membership per person")
    HOUSEHOLD = "household", _("one membership for the whole household")


class LendingSystem(models.TextChoices):
    BUILT_IN = "built_in", _("Civicard lends (built-in system)")
    SIP2 = "sip2", _("the library's own system, reached over SIP2")
    DUMMY = "dummy", _("test system (never in production)")


class Library(models.Model):
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="libraries")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="libraries", verbose_name=_("commune"))
    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("institution code"), max_length=40, unique=True,
                            help_text=_("Sent by kiosks as the institution id (SIP2 field AO)."))
    kind = models.CharField(_("kind"), max_length=12, choices=LibraryKind.choices,
                            default=LibraryKind.LIBRARY)
    membership_scope = models.CharField(_("membership"), max_length=10,
                                        choices=MembershipScope.choices,
                                        default=MembershipScope.PERSON)
    fee_service = models.ForeignKey(
        "wallets.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("service whose account pays the yearly fee"))
    fee_cents = models.PositiveIntegerField(_("yearly fee in cents (0: free)"), default=0)
    loan_days = models.PositiveSmallIntegerField(_("loan length in days"), default=21)
    renewals = models.PositiveSmallIntegerField(_("renewals allowed per loan"), default=2)
    loan_limit = models.PositiveSmallIntegerField(_("items a member may borrow at once"),
                                                  default=10)
    overdue_limit = models.PositiveSmallIntegerField(
        _("overdue items that pause borrowing"), default=1)
    pickup_days = models.PositiveSmallIntegerField(_("days a hold waits at the desk"), default=5)
    reminder_days = models.PositiveSmallIntegerField(_("days before the due date to remind"),
                                                     default=2)
    renewal_notice_days = models.PositiveSmallIntegerField(
        _("days before a membership ends to remind"), default=30)
    system = models.CharField(_("lending system"), max_length=10, choices=LendingSystem.choices,
                              default=LendingSystem.BUILT_IN)
    sip2_host = models.CharField(_("SIP2 host"), max_length=200, blank=True)
    sip2_port = models.PositiveIntegerField(_("SIP2 port"), null=True, blank=True)
    sip2_tls = models.BooleanField(_("SIP2 over TLS"), default=False)
    sip2_login = models.CharField(_("SIP2 login"), max_length=60, blank=True)
    sip2_password = models.CharField(_("SIP2 password"), max_length=120, blank=True)
    sip2_institution = models.CharField(_("SIP2 institution id"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("library")
        verbose_name_plural = _("libraries")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(fee_cents=0) | Q(fee_service__isnull=False),
                                   name="library_fee_has_service"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_built_in(self) -> bool:
        return self.system == LendingSystem.BUILT_IN


class Branch(models.Model):
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="branches")
    code = models.SlugField(_("branch code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["library", "code"],
                                               name="branch_code_unique")]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A library membership: a person's, or a household's (the toy library's family card).
    The patron presents their Civicard card; `number` is the library's own patron number."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="library_memberships")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="library_memberships")
    number = models.CharField(_("membership number"), max_length=20)
    home_branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("home branch"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    share_with_library_system = models.BooleanField(
        _("may be sent to the library's own system"), default=False)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("library membership")
        verbose_name_plural = _("library memberships")
        constraints = [
            models.UniqueConstraint(fields=["library", "number"],
                                    name="library_membership_number_unique"),
            models.UniqueConstraint(fields=["library", "person"],
                                    name="library_membership_one_per_person"),
            models.UniqueConstraint(fields=["library", "household"],
                                    name="library_membership_one_per_household"),
            models.CheckConstraint(
                condition=Q(person__isnull=False, household__isnull=True)
                | Q(person__isnull=True, household__isnull=False),
                name="library_membership_person_or_household"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                   name="library_membership_dates_in_order"),
        ]

    def __str__(self):
        return f"{self.library} {self.number}"


class ItemKind(models.TextChoices):
    BOOK = "book", _("book")
    GAME = "game", _("game")
    DVD = "dvd", _("DVD")
    MUSIC = "music", _("music")
    OTHER = "other", _("other")


class Title(models.Model):
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="titles")
    kind = models.CharField(_("kind"), max_length=8, choices=ItemKind.choices,
                            default=ItemKind.BOOK)
    title = models.CharField(_("title"), max_length=300)
    author = models.CharField(_("author"), max_length=200, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    isbn = models.CharField(_("ISBN"), max_length=20, blank=True)
    record_id = models.CharField(_("record number in the catalogue"), max_length=40, blank=True)
    search_text = models.TextField(editable=False, default="")  # see catalogue.search_text
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("title")
        verbose_name_plural = _("titles")
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["library", "record_id"], condition=~Q(record_id=""),
                                    name="title_record_id_unique"),
        ]

    def __str__(self):
        return self.title


class TitleSearch(models.Model):
    """SQLite only: the FTS5 full-text index of `Title.search_text` (migration 0005; its rowid is
    the title's id, triggers on library_title keep it), read by `queries.matching_fts5`. Not a
    table Django manages: on PostgreSQL the GIN index of migration 0004 does this job."""

    title = models.OneToOneField(Title, primary_key=True, db_column="rowid",
                                 on_delete=models.DO_NOTHING, db_constraint=False,
                                 related_name="search_index")
    search_text = FullTextColumn()

    class Meta:
        managed = False
        db_table = "library_title_fts"
        default_permissions = ()  # never edited: nothing to grant

    def __str__(self):
        return self.search_text


class CopyState(models.TextChoices):
    ON_SHELF = "on_shelf", _("on the shelf")
    ON_LOAN = "on_loan", _("on loan")
    WAITING = "waiting", _("kept at the desk for someone")
    IN_TRANSIT = "in_transit", _("on its way to another branch")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Copy(models.Model):
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="+")
    title = models.ForeignKey(Title, on_delete=models.PROTECT, related_name="copies")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="copies",
                               verbose_name=_("branch"))
    barcode = models.CharField(_("barcode"), max_length=40)
    pieces = models.PositiveSmallIntegerField(_("number of pieces"), null=True, blank=True,
                                              help_text=_("For games: counted at return."))
    state = models.CharField(_("state"), max_length=10, choices=CopyState.choices,
                             default=CopyState.ON_SHELF)
    loan = models.OneToOneField("Loan", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    waiting_for = models.OneToOneField("Hold", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+")
    transit = models.OneToOneField("Transit", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("copy")
        verbose_name_plural = _("copies")
        ordering = ["barcode"]
        constraints = [
            models.UniqueConstraint(fields=["library", "barcode"], name="copy_barcode_unique"),
            models.CheckConstraint(condition=Q(state="on_loan", loan__isnull=False)
                                   | (~Q(state="on_loan") & Q(loan__isnull=True)),
                                   name="copy_on_loan_iff_loan"),
            models.CheckConstraint(condition=Q(state="waiting", waiting_for__isnull=False)
                                   | (~Q(state="waiting") & Q(waiting_for__isnull=True)),
                                   name="copy_waiting_iff_hold"),
            models.CheckConstraint(condition=Q(state="in_transit", transit__isnull=False)
                                   | (~Q(state="in_transit") & Q(transit__isnull=True)),
                                   name="copy_in_transit_iff_transit"),
        ]

    def __str__(self):
        return self.barcode


class Channel(models.TextChoices):
    DESK = "desk", _("at the desk")
    KIOSK = "kiosk", _("at a self-check kiosk")
    ONLINE = "online", _("online")


class Kiosk(models.Model):
    """A self-check kiosk or a security gate: logs in to the SIP2 server with its own login."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="kiosks")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="kiosks")
    name = models.CharField(_("name"), max_length=120)
    login = models.CharField(_("login"), max_length=60, unique=True)
    password_hash = models.CharField(max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("kiosk")
        verbose_name_plural = _("kiosks")

    def __str__(self):
        return self.name


class Loan(AppendOnlyModel):
    copy = models.ForeignKey(Copy, on_delete=models.PROTECT, related_name="loans")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="loans")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="library_loans")
    lent_at = models.DateTimeField(_("lent"))
    due_at = models.DateTimeField(_("due"))
    channel = models.CharField(max_length=8, choices=Channel.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    kiosk = models.ForeignKey(Kiosk, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-lent_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(due_at__gt=models.F("lent_at")),
                                              name="loan_due_after_lent")]


class Renewal(AppendOnlyModel):
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="renewals")
    at = models.DateTimeField()
    due_at = models.DateTimeField()
    channel = models.CharField(max_length=8, choices=Channel.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")


class Return(AppendOnlyModel):
    loan = models.OneToOneField(Loan, on_delete=models.PROTECT, related_name="returned")
    at = models.DateTimeField()
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    pieces_missing = models.PositiveSmallIntegerField(default=0)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    kiosk = models.ForeignKey(Kiosk, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")


class Hold(AppendOnlyModel):
    """A place in a title's queue, to collect at `pickup_branch`. What happened next is a
    `HoldReady` (a copy set aside) and a `HoldEnd` (collected, cancelled or expired)."""

    title = models.ForeignKey(Title, on_delete=models.PROTECT, related_name="holds")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="holds")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="library_holds")
    pickup_branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("where to collect it"))
    placed_at = models.DateTimeField()
    channel = models.CharField(max_length=8, choices=Channel.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")

    class Meta:
        ordering = ["placed_at", "id"]


class HoldReady(AppendOnlyModel):
    hold = models.OneToOneField(Hold, on_delete=models.PROTECT, related_name="ready")
    copy = models.ForeignKey(Copy, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    collect_by = models.DateTimeField()


class Transit(AppendOnlyModel):
    """A copy sent from one branch to another, for the hold that waits for it there. It arrives
    when it is checked in at `to_branch` (a `TransitArrival`); checked in anywhere else, it is
    still on its way."""

    copy = models.ForeignKey(Copy, on_delete=models.PROTECT, related_name="transits")
    hold = models.OneToOneField(Hold, on_delete=models.PROTECT, related_name="transit")
    from_branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    to_branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(from_branch=models.F("to_branch")),
                                              name="transit_between_two_branches")]


class TransitArrival(AppendOnlyModel):
    transit = models.OneToOneField(Transit, on_delete=models.PROTECT, related_name="arrival")
    at = models.DateTimeField()
    channel = models.CharField(max_length=8, choices=Channel.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    kiosk = models.ForeignKey(Kiosk, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")


class HoldOutcome(models.TextChoices):
    COLLECTED = "collected", _("collected")
    CANCELLED = "cancelled", _("cancelled")
    EXPIRED = "expired", _("not collected in time")


class HoldEnd(AppendOnlyModel):
    hold = models.OneToOneField(Hold, on_delete=models.PROTECT, related_name="end")
    at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=HoldOutcome.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")


class Notice(AppendOnlyModel):
    """A reminder sent once: `key` names what it was about (a loan's due date, a membership's
    end), so running the reminders again sends nothing twice."""

    key = models.CharField(max_length=80, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
