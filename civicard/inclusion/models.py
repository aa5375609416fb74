"""Digital inclusion: places in the national standard, actors, initiatives, mediators, their
office hours and appointments, the accompaniment log and the territory's goal."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicard.people.models import Person, User
from civicard.territory.models import Neighbourhood, Territory

# The fields of the national "schéma des lieux de médiation numérique" (v1.0.2), in its order.
STANDARD_TEXT_FIELDS = [
    "id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse",
    "complement_adresse", "typologie", "telephone", "courriels", "site_web", "horaires",
    "presentation_resume", "presentation_detail", "source", "itinerance", "structure_parente",
    "services", "publics_specifiquement_adresses", "prise_en_charge_specifique",
    "frais_a_charge", "dispositif_programmes_nationaux", "formations_labels",
    "autres_formations_labels", "modalites_acces", "modalites_accompagnement",
    "fiche_acces_libre", "prise_rdv",
]


class Place(models.Model):
    """A place of digital mediation. Standard fields keep their national names and their
    `|`-separated multi-values exactly as exchanged, so an export gives back what was imported."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        HIDDEN = "hidden", _("Hidden")

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    # --- the national standard ---
    standard_id = models.CharField(_("identifier"), max_length=120, db_column="std_id")
    pivot = models.CharField(_("SIRET, RNA or RIDET"), max_length=14)
    nom = models.CharField(_("name"), max_length=250)
    commune = models.CharField(_("commune"), max_length=120)
    code_postal = models.CharField(_("postal code"), max_length=5)
    code_insee = models.CharField(_("INSEE code"), max_length=5, blank=True)
    adresse = models.CharField(_("address"), max_length=250)
    complement_adresse = models.CharField(_("address details"), max_length=250, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    typologie = models.CharField(_("type of place"), max_length=250, blank=True)
    telephone = models.CharField(_("phone"), max_length=20, blank=True)
    courriels = models.TextField(_("e-mail addresses"), blank=True)
    site_web = models.TextField(_("websites"), blank=True)
    horaires = models.TextField(_("opening hours (OSM syntax)"), blank=True)
    presentation_resume = models.CharField(_("short presentation"), max_length=280, blank=True)
    presentation_detail = models.TextField(_("detailed presentation"), blank=True)
    source = models.CharField(_("source"), max_length=250, blank=True)
    itinerance = models.CharField(_("fixed or mobile"), max_length=40, blank=True)
    structure_parente = models.CharField(_("parent organisation"), max_length=250, blank=True)
    date_maj = models.DateField(_("last updated"))
    services = models.TextField(pgettext_lazy("place", "services"), blank=True)
    publics_specifiquement_adresses = models.TextField(_("specific publics"), blank=True)
    prise_en_charge_specifique = models.TextField(_("specific support"), blank=True)
    frais_a_charge = models.CharField(_("fees"), max_length=120, blank=True)
    dispositif_programmes_nationaux = models.TextField(_("national programmes"), blank=True)
    formations_labels = models.TextField(_("training and labels"), blank=True)
    autres_formations_labels = models.TextField(_("other training and labels"), blank=True)
    modalites_acces = models.TextField(_("how to come"), blank=True)
    modalites_accompagnement = models.TextField(_("kinds of help"), blank=True)
    fiche_acces_libre = models.TextField(_("Accès libre page"), blank=True)
    prise_rdv = models.TextField(_("appointment booking link"), blank=True)
    # --- what the standard lacks ---
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.SET_NULL, null=True,
                                      blank=True, related_name="+",
                                      verbose_name=_("neighbourhood"))
    accepts_pass_numerique = models.BooleanField(_("accepts pass numérique vouchers"),
                                                 default=False)
    accessibility_notes = models.TextField(_("accessibility notes"), blank=True)
    photo = models.FileField(_("photo"), upload_to="inclusion/places/", blank=True)
    photo_description = models.CharField(_("photo description"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.PUBLISHED)
    updated_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("place of digital mediation")
        verbose_name_plural = _("places of digital mediation")
        ordering = ["nom"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "standard_id"],
                                    name="inclusion_place_standard_id_unique"),
            models.CheckConstraint(condition=~models.Q(standard_id=""),
                                   name="inclusion_place_id_not_empty"),
        ]
        indexes = [models.Index(fields=["status", "nom"])]

    def __str__(self):
        return self.nom

    def values(self, field: str) -> list[str]:
        """A multi-value field as a list."""
        raw = getattr(self, field)
        return [value for value in raw.split("|") if value] if raw else []


class PlaceVersion(models.Model):
    """The history of a place: a snapshot of its standard row and extras after each change."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="versions")
    data = models.JSONField()
    source = models.CharField(max_length=20)  # import, proposal, admin
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.place_id} @ {self.at:%Y-%m-%d %H:%M}"


class PlaceProposal(models.Model):
    """Anyone proposes a new place or a correction; a mediator or the town decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    place = models.ForeignKey(Place, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="proposals",
                              help_text=_("Empty for a new place."))
    data = models.JSONField(help_text=_("Proposed values, by standard field name."))
    proposer = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True,
                                 related_name="+")
    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="pending", decided_at__isnull=True)
                | (~models.Q(status="pending") & models.Q(decided_at__isnull=False)),
                name="inclusion_proposal_decided_iff_not_pending"),
        ]

    def __str__(self):
        return str(self.data.get("nom") or self.pk)


class Actor(models.Model):
    """An organisation acting for digital inclusion."""

    class Kind(models.TextChoices):
        ASSOCIATION = "association", _("Association")
        PUBLIC_SERVICE = "public", _("Public service")
        SCHOOL = "school", _("School")
        COMPANY = "company", _("Company")
        OTHER = "other", _("Other")

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    places = models.ManyToManyField(Place, related_name="actors", blank=True)

    class Meta:
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["territory", "name"],
                                               name="inclusion_actor_name_unique")]

    def __str__(self):
        return self.name


class Initiative(models.Model):
    """A workshop series, a repair café…: run by an actor at one or more places."""

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="initiatives")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    places = models.ManyToManyField(Place, related_name="initiatives", blank=True)

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Mediator(models.Model):
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="mediator")
    display_name = models.CharField(_("name shown"), max_length=120)
    presentation = models.TextField(_("presentation"), blank=True)
    languages = models.CharField(_("languages spoken"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("digital mediator")
        verbose_name_plural = _("digital mediators")

    def __str__(self):
        return self.display_name


class OfficeHours(models.Model):
    """A recurring office hour ("permanence"): a weekday, some weeks of the month (empty: every
    week; -1: the last), local start and end times, between two dates."""

    mediator = models.ForeignKey(Mediator, on_delete=models.CASCADE, related_name="office_hours")
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="office_hours")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=[(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")),
                               (3, _("Thursday")), (4, _("Friday")), (5, _("Saturday")),
                               (6, _("Sunday"))])
    weeks_of_month = models.CharField(
        _("weeks of the month"), max_length=20, blank=True,
        help_text=_("Empty for every week; e.g. 1,3 for the 1st and 3rd; -1 for the last."))
    start_time = models.TimeField(pgettext_lazy("time", "from"))
    end_time = models.TimeField(pgettext_lazy("time", "to"))
    slot_minutes = models.PositiveSmallIntegerField(_("appointment length in minutes"),
                                                    default=30)
    valid_from = models.DateField(_("first day"))
    valid_until = models.DateField(_("last day"), null=True, blank=True)

    class Meta:
        verbose_name = _("office hours")
        verbose_name_plural = _("office hours")
        constraints = [
            models.CheckConstraint(condition=models.Q(end_time__gt=models.F("start_time")),
                                   name="inclusion_office_hours_end_after_start"),
            models.CheckConstraint(condition=models.Q(slot_minutes__gte=5),
                                   name="inclusion_office_hours_slot_min"),
            models.CheckConstraint(condition=models.Q(weekday__lte=6),
                                   name="inclusion_office_hours_weekday"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class OfficeHoursChange(models.Model):
    """One date off the rule: a cancelled session, or an extra one."""

    class Kind(models.TextChoices):
        CANCELLED = "cancelled", _("Cancelled")
        EXTRA = "extra", _("Extra session")

    office_hours = models.ForeignKey(OfficeHours, on_delete=models.CASCADE,
                                     related_name="changes")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office_hours", "date"],
                                               name="inclusion_office_hours_change_unique")]

    def __str__(self):
        return f"{self.date} {self.kind}"


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")

    office_hours = models.ForeignKey(OfficeHours, on_delete=models.PROTECT,
                                     related_name="appointments")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    booked_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    topic = models.CharField(_("what you need help with"), max_length=80, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    created_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["office_hours", "starts_at"],
                                    condition=models.Q(status="booked"),
                                    name="inclusion_appointment_slot_unique"),
        ]

    def __str__(self):
        return f"{self.starts_at:%Y-%m-%d %H:%M}"


class AgeBracket(models.TextChoices):
    UNDER_18 = "0-17", _("Under 18")
    FROM_18 = "18-29", _("18 to 29")
    FROM_30 = "30-44", _("30 to 44")
    FROM_45 = "45-59", _("45 to 59")
    FROM_60 = "60-74", _("60 to 74")
    FROM_75 = "75+", _("75 and over")
    UNKNOWN = "", _("Not known")


class Accompaniment(models.Model):
    """One person helped by a mediator. Minimal data, no free text: the person is a resident or
    a pseudonym (an HMAC of a few identifying items) so that they are counted once."""

    class Orientation(models.TextChoices):
        NONE = "", _("None")
        OTHER_PLACE = "place", _("Another mediation place")
        SOCIAL = "social", _("Social services")
        FRANCE_SERVICES = "france_services", _("France Services")
        TRAINING = "training", _("A training course")
        PASS = "pass", _("Pass numérique booklet")

    mediator = models.ForeignKey(Mediator, on_delete=models.PROTECT,
                                 related_name="accompaniments")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration in minutes"))
    themes = models.TextField(_("themes"))
    first_visit = models.BooleanField(_("first visit"))
    orientation = models.CharField(_("orientation given"), max_length=20,
                                   choices=Orientation.choices, blank=True)
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    pseudonym = models.CharField(max_length=64, db_index=True)
    age_bracket = models.CharField(_("age"), max_length=6, choices=AgeBracket.choices,
                                   blank=True)
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="+",
                                      verbose_name=_("neighbourhood"))
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("accompaniment")
        verbose_name_plural = _("accompaniments")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(pseudonym=""),
                                   name="inclusion_accompaniment_pseudonym"),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=1, duration_minutes__lte=600),
                name="inclusion_accompaniment_duration"),
        ]
        indexes = [models.Index(fields=["neighbourhood", "date"])]

    def __str__(self):
        return f"{self.date} {self.place_id}"


class Goal(models.Model):
    """"Accompany X% of the residents of these neighbourhoods within N years from D"."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    percent = models.DecimalField(_("share of residents to accompany (%)"), max_digits=5,
                                  decimal_places=2)
    years = models.PositiveSmallIntegerField(_("within (years)"))
    start_date = models.DateField(_("from"))
    neighbourhoods = models.ManyToManyField(Neighbourhood, related_name="+")

    class Meta:
        verbose_name = _("inclusion goal")
        verbose_name_plural = _("inclusion goals")
        constraints = [
            models.CheckConstraint(condition=models.Q(percent__gt=0, percent__lte=100),
                                   name="inclusion_goal_percent"),
            models.CheckConstraint(condition=models.Q(years__gte=1),
                                   name="inclusion_goal_years"),
        ]

    def __str__(self):
        return self.name



class FirstSeen(models.Model):
    """The first day each person (pseudonym) was accompanied in a neighbourhood: what the goal
    dashboard counts instead of grouping every accompaniment. Kept by log_accompaniment and the
    erasure in their transaction; `civicard rebuild_summaries` recounts it."""

    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.CASCADE, related_name="+",
                                      db_index=False)
    pseudonym = models.CharField(max_length=64)
    first_date = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["neighbourhood", "pseudonym"],
                                               name="first_seen_unique")]
        indexes = [models.Index(fields=["neighbourhood", "first_date"], name="first_seen_day")]

    def __str__(self):
        return f"{self.neighbourhood_id} {self.first_date}"


class PersonSeen(models.Model):
    """Each person (pseudonym) accompanied, with their number of accompaniments: the goal
    dashboard's "in all" line (accompaniments, different people) without counting them all.
    Kept with FirstSeen; `civicard rebuild_summaries` recounts it."""

    pseudonym = models.CharField(max_length=64, unique=True)
    visits = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.visits}"
