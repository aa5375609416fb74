from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicard.core.money import Currency


class Territory(models.Model):
    """An intercommunality: one database for all its communes."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), unique=True)
    country = models.CharField(_("country"), max_length=2, default="FR", db_default="FR",
                               help_text=_("Two-letter code, e.g. FR or CH: public holidays "
                                           "and the official lists of communes."))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices,
                                default=Currency.EUR)
    default_language = models.CharField(_("default language"), max_length=8,
                                        choices=settings.LANGUAGES, default="fr")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")

    def __str__(self):
        return self.name


class Commune(models.Model):
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="communes")
    name = models.CharField(_("name"), max_length=120)
    official_code = models.CharField(
        _("official code"), max_length=5, unique=True,
        validators=[RegexValidator(r"^(\d{5}|2[AB]\d{3})$",
                                   _("Enter the 5-character INSEE code."))],
        help_text=_("The INSEE code of the commune, e.g. 79202."),
    )

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Neighbourhood(models.Model):
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="neighbourhoods")
    name = models.CharField(_("name"), max_length=120)
    centre_latitude = models.DecimalField(
        _("centre latitude"), max_digits=8, decimal_places=5,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    centre_longitude = models.DecimalField(
        _("centre longitude"), max_digits=8, decimal_places=5,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    is_priority = models.BooleanField(_("priority neighbourhood (QPV)"), default=False)
    qpv_code = models.CharField(
        _("official QPV code"), max_length=10, blank=True,
        validators=[RegexValidator(r"^QN\d{5}[A-Z]?$", _("Enter a QPV code such as QN07901M."))],
    )
    population = models.PositiveIntegerField(_("official population"), null=True, blank=True)

    class Meta:
        verbose_name = _("neighbourhood")
        verbose_name_plural = _("neighbourhoods")
        ordering = ["commune__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "name"], name="neighbourhood_name_unique"),
            models.CheckConstraint(
                condition=models.Q(is_priority=False, qpv_code="")
                | (models.Q(is_priority=True) & ~models.Q(qpv_code="")),
                name="neighbourhood_qpv_code_iff_priority",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.commune.name})"


class Address(models.Model):
    """A postal address, always attached to its neighbourhood. Only the neighbourhood is ever
    shown to other residents; the street stays with the household and the agents serving it."""

    street = models.CharField(_("street and number"), max_length=200)
    postal_code = models.CharField(
        _("postal code"), max_length=5,
        validators=[RegexValidator(r"^\d{5}$", _("Enter a 5-digit postal code."))],
    )
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.PROTECT,
                                      related_name="addresses", verbose_name=_("neighbourhood"))

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self):
        return f"{self.street}, {self.postal_code} {self.neighbourhood.commune.name}"


class IncomeBracket(models.Model):
    """A *quotient familial* bracket used by tariffs. Which household is in which is sensitive."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT,
                                  related_name="income_brackets")
    code = models.CharField(_("code"), max_length=20)
    label = models.CharField(_("label"), max_length=120)
    quotient_max = models.PositiveIntegerField(_("highest quotient in this bracket"), null=True,
                                               blank=True)

    class Meta:
        verbose_name = _("income bracket")
        verbose_name_plural = _("income brackets")
        ordering = ["territory", models.F("quotient_max").asc(nulls_last=True)]
        constraints = [
            models.UniqueConstraint(fields=["territory", "code"], name="income_bracket_code_unique")
        ]

    def __str__(self):
        return self.label


class LocalName(models.Model):
    """One of the territory's own names (a service, a place, a programme…) in another language.
    `source` is the name as written in the territory's language; a reader whose language has no
    entry reads it as written."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="local_names")
    source = models.CharField(_("name"), max_length=250)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    text = models.CharField(_("In this language"), max_length=250)

    class Meta:
        verbose_name = _("name in another language")
        verbose_name_plural = _("Names in other languages")
        constraints = [
            models.UniqueConstraint(fields=["territory", "language", "source"],
                                    name="local_name_unique"),
        ]

    def __str__(self):
        return f"{self.source} ({self.language}): {self.text}"
