"""Help between neighbours: posts, private conversations, helpful neighbours, the private line
to social services (CCAS), vulnerable-person reports, paper slips and associations.

Privacy by construction: a post carries a neighbourhood, never an address; requests to the CCAS
and vulnerable-person reports live in their own tables that only social-worker queries read."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicard.people.models import Person, User
from civicard.territory.models import Neighbourhood, Territory

DEFAULT_CATEGORY_LABELS = {
    "lend": _("Tools and objects to lend"),
    "diy": _("DIY"),
    "shopping": _("Shopping and errands"),
    "housework": _("Housework"),
    "company": _("Company and visits"),
    "transport": _("Transport"),
    "paperwork": _("Paperwork"),
    "childcare": _("Childcare"),
    "other": _("Other"),
}


class MutualAidSettings(models.Model):
    """What the territory sets: how long a post lives, how long closed reports are kept."""

    territory = models.OneToOneField(Territory, on_delete=models.CASCADE,
                                     related_name="mutualaid_settings")
    post_lifetime_days = models.PositiveSmallIntegerField(
        _("days before a post expires"), default=30)
    report_retention_days = models.PositiveSmallIntegerField(
        _("days a closed or unfounded report is kept after the last contact"), default=730)

    class Meta:
        verbose_name = _("mutual-aid settings")
        verbose_name_plural = _("mutual-aid settings")
        constraints = [
            models.CheckConstraint(condition=Q(post_lifetime_days__gte=1),
                                   name="mutualaid_settings_lifetime_positive"),
        ]

    def __str__(self):
        return str(self.territory)


class Category(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=80,
                             help_text=_("Used when the code is not one of the built-in ones."))
    icon = models.CharField(_("pictogram"), max_length=8, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "code"]

    def __str__(self):
        return str(DEFAULT_CATEGORY_LABELS.get(self.code, self.label))


class Post(models.Model):
    class Kind(models.TextChoices):
        OFFER = "offer", _("Offer")
        REQUEST = "request", _("Request")

    class Status(models.TextChoices):
        HELD = "held", _("waiting for a moderator")
        OPEN = "open", pgettext_lazy("post", "open")
        CLOSED = "closed", _("done, thank you")
        HIDDEN = "hidden", _("hidden by moderation")

    class Origin(models.TextChoices):
        RESIDENT = "resident", _("written by a resident")
        TOWN = "town", _("published by the town on a resident's behalf")
        SLIP = "slip", _("paper slip relayed by the town")

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("offer or request"), max_length=8, choices=Kind.choices)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="posts",
                                 verbose_name=_("category"))
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=2000)
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("neighbourhood"))
    availability = models.CharField(_("when"), max_length=200, blank=True)
    language = models.CharField(_("language it is written in"), max_length=8,
                                choices=settings.LANGUAGES)
    # The author for a resident's post; for a post relayed by the town it is None and the
    # contact is the social worker who relayed it.
    author = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="mutualaid_posts")
    contact = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+",
                                help_text="who receives the replies")
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.RESIDENT)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [
            models.Index(fields=["status", "neighbourhood", "-created_at"],
                         name="mutualaid_post_feed"),
            models.Index(fields=["status", "-created_at"], name="mutualaid_post_recent"),
            models.Index(fields=["author", "-created_at"], name="mutualaid_post_author"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")),
                                   name="mutualaid_post_expires_after_creation"),
            models.CheckConstraint(
                condition=Q(origin="resident", author__isnull=False) | ~Q(origin="resident"),
                name="mutualaid_post_resident_has_author"),
        ]

    def __str__(self):
        return self.title

    @property
    def relayed_by_town(self) -> bool:
        return self.origin != self.Origin.RESIDENT


class Conversation(models.Model):
    """A private conversation between the person who answered a post and its contact."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="conversations")
    starter = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    last_message_at = models.DateTimeField()

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.UniqueConstraint(fields=["post", "starter"],
                                    name="mutualaid_one_conversation_per_post_and_person"),
            models.CheckConstraint(condition=~Q(starter=F("recipient")),
                                   name="mutualaid_conversation_two_people"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.post}"

    def other(self, person):
        return self.recipient if person.pk == self.starter_id else self.starter


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="messages")
    sender = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("message"), max_length=4000)
    language = models.CharField(_("language it is written in"), max_length=8, blank=True,
                                choices=settings.LANGUAGES)  # the sender's, when they wrote
    created_at = models.DateTimeField()
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"#{self.pk}"


class Block(models.Model):
    blocker = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    blocked = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="mutualaid_block_once"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")),
                                   name="mutualaid_block_not_self"),
        ]

    def __str__(self):
        return f"#{self.blocker_id} blocks #{self.blocked_id}"


class HelpfulNeighbour(models.Model):
    person = models.OneToOneField(Person, on_delete=models.CASCADE,
                                  related_name="helpful_neighbour")
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("neighbourhood"))
    skills = models.ManyToManyField(Category, related_name="+", verbose_name=_("I can help with"))
    what = models.CharField(_("what I can do"), max_length=300)
    when = models.CharField(_("when I am available"), max_length=200)
    since = models.DateTimeField()
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("helpful neighbour")
        verbose_name_plural = _("helpful neighbours")

    def __str__(self):
        return str(self.person)


class TownRequest(models.Model):
    """"Ask the town privately": seen only by the person and the CCAS social workers."""

    class Status(models.TextChoices):
        OPEN = "open", _("waiting for an answer")
        ANSWERED = "answered", _("answered")
        PUBLISHED = "published", _("published anonymously")
        MATCHED = "matched", _("put in touch with a helpful neighbour")
        CLOSED = "closed", pgettext_lazy("request", "closed")

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="town_requests")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("category"))
    body = models.TextField(_("what do you need?"), max_length=3000)
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("neighbourhood"))
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    consent_to_publish_at = models.DateTimeField(null=True, blank=True)
    published_post = models.OneToOneField(Post, on_delete=models.SET_NULL, null=True,
                                          blank=True, related_name="+")
    matched_helper = models.ForeignKey(HelpfulNeighbour, on_delete=models.SET_NULL, null=True,
                                       blank=True, related_name="+")

    class Meta:
        verbose_name = _("request to the town")
        verbose_name_plural = _("requests to the town")
        constraints = [
            models.CheckConstraint(
                condition=Q(published_post__isnull=True) | Q(consent_to_publish_at__isnull=False),
                name="mutualaid_town_request_published_with_consent"),
        ]

    def __str__(self):
        return f"#{self.pk}"


class TownMessage(models.Model):
    request = models.ForeignKey(TownRequest, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    from_town = models.BooleanField(default=False)
    body = models.TextField(_("message"), max_length=4000)
    language = models.CharField(_("language it is written in"), max_length=8, blank=True,
                                choices=settings.LANGUAGES)  # the sender's, when they wrote
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"#{self.pk}"


class VulnerabilityReport(models.Model):
    """A worry about a vulnerable or isolated person. Only social workers read it; every read
    is audited; the reporter gets an acknowledgement and nothing else."""

    class Outcome(models.TextChoices):
        CONTACTED = "contacted", _("contacted")
        HELP_ACCEPTED = "help_accepted", _("help accepted")
        REFUSED = "refused", _("help refused")
        UNFOUNDED = "unfounded", _("unfounded")

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    reporter = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    who = models.CharField(_("who is it?"), max_length=200)
    where = models.CharField(_("where can they be found or reached?"), max_length=300)
    why = models.TextField(_("why are you worried?"), max_length=2000)
    created_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(blank=True, max_length=2000)
    handled_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    last_contact_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("vulnerable-person report")
        verbose_name_plural = _("vulnerable-person reports")
        indexes = [models.Index(fields=["outcome", "closed_at"], name="mutualaid_report_erase")]

    def __str__(self):
        return f"#{self.pk}"


class PaperSlip(models.Model):
    """A slip taken from a mutual-aid box, typed in by a social worker. The phone number, if
    any, stays here (social workers only); the public post never shows it."""

    class Reach(models.TextChoices):
        PHONE = "phone", _("by phone (the town calls the person)")
        BOX = "box", _("leave an answer at the box")

    box_location = models.CharField(_("box location"), max_length=200)
    slip_date = models.DateField(_("date on the slip"))
    reach_by = models.CharField(_("how to reach the person"), max_length=8,
                                choices=Reach.choices)
    phone = models.CharField(_("phone number (seen only by social workers)"), max_length=32,
                             blank=True)
    typed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="paper_slip")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("paper slip")
        verbose_name_plural = _("paper slips")
        constraints = [
            models.CheckConstraint(condition=~Q(reach_by="phone", phone=""),
                                   name="mutualaid_slip_phone_when_by_phone"),
        ]

    def __str__(self):
        return f"{self.box_location} {self.slip_date}"


class Association(models.Model):
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=160)
    slug = models.SlugField(unique=True)
    presentation = models.TextField(_("presentation"), max_length=4000)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    website = models.URLField(_("website"), blank=True)
    categories = models.ManyToManyField(Category, blank=True, related_name="+",
                                        verbose_name=_("categories"))
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="+",
                                      verbose_name=_("neighbourhood"))
    editors = models.ManyToManyField(User, blank=True, related_name="edited_associations")
    followers = models.ManyToManyField(Person, through="Follow", related_name="+")

    class Meta:
        verbose_name = _("association")
        verbose_name_plural = _("associations")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Follow(models.Model):
    association = models.ForeignKey(Association, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.CASCADE)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["association", "person"],
                                               name="mutualaid_follow_once")]

    def __str__(self):
        return f"#{self.person_id} follows {self.association_id}"


class News(models.Model):
    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="news")
    title = models.CharField(_("title"), max_length=160)
    body = models.TextField(_("text"), max_length=4000)
    language = models.CharField(_("language it is written in"), max_length=8,
                                choices=settings.LANGUAGES)
    published_at = models.DateTimeField()
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("news")
        verbose_name_plural = _("news")
        ordering = ["-published_at"]

    def __str__(self):
        return self.title


class Event(models.Model):
    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="events")
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200)
    registration = models.CharField(_("how to register"), max_length=200, blank=True)
    is_free = models.BooleanField(_("free"), default=True)
    price = models.CharField(_("price"), max_length=60, blank=True)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at"]

    def __str__(self):
        return self.title
