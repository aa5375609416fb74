from django.utils.translation import gettext_lazy as _

from civicard.core.errors import DomainError


class TerminalUnauthorized(DomainError):
    code = "terminal_unauthorized"
    message = _("This terminal is not registered or its access was revoked.")
    http_status = 401


class AtInFuture(DomainError):
    code = "at_in_future"
    message = _("The time sent by the terminal is ahead of the server's clock. Set its clock.")
    http_status = 422


class AtTooOld(DomainError):
    code = "at_too_old"
    message = _("This scan is too old to be answered online. Upload it as an offline event.")
    http_status = 422


class VersionInvalid(DomainError):
    code = "version_invalid"
    message = _("The allow-list version must be a whole number.")
    http_status = 422


class TooManyEvents(DomainError):
    code = "too_many_events"
    message = _("Send at most %(limit)s events at a time.")
    http_status = 422


class NameMissing(DomainError):
    code = "terminal_name_missing"
    message = _("Give the terminal a name, for example \"Pool turnstile 1\".")
    http_status = 422


class AlreadyRevoked(DomainError):
    code = "terminal_already_revoked"
    message = _("This terminal was already revoked.")
    http_status = 409


# Manager pages --------------------------------------------------------------------------------

class NameEmpty(DomainError):
    code = "name_missing"
    message = _("Please give it a name.")
    http_status = 422


class PlaceNameTaken(DomainError):
    code = "place_name_taken"
    message = _("Another place already has this name. Choose a different one.")
    http_status = 409


class CheckpointNameTaken(DomainError):
    code = "checkpoint_name_taken"
    message = _("This place already has a checkpoint with this name. Choose a different one.")
    http_status = 409


class OpeningHoursInvalid(DomainError):
    code = "opening_hours_invalid"
    message = _("These opening hours cannot be read from \"%(near)s\" on. Write them like "
                "Mo-Fr 09:00-18:00; Sa 09:00-12:00; PH off (days in English, two letters).")
    http_status = 422


class CountryUnknown(DomainError):
    code = "country_unknown"
    message = _("Enter the two-letter code of a country, for example FR or CH.")
    http_status = 422


class ChargeWithoutService(DomainError):
    code = "charge_without_service"
    message = _("Choose the service whose tariff is charged, or leave the tariff empty.")
    http_status = 422


class TariffUnknown(DomainError):
    code = "tariff_unknown"
    message = _("The service %(service)s has no tariff \"%(use)s\". Add it to the service's "
                "tariffs first, or choose another one.")
    http_status = 422


class NoPlaces(DomainError):
    code = "door_group_no_places"
    message = _("Choose at least one building or door that the group opens.")
    http_status = 422


class WindowExists(DomainError):
    code = "window_exists"
    message = _("The group already has this time window.")
    http_status = 409


class AlreadyMember(DomainError):
    code = "already_member"
    message = _("%(name)s is already in this group.")
    http_status = 409


class NotMember(DomainError):
    code = "not_member"
    message = _("%(name)s is not in this group.")
    http_status = 409


class QuotaExists(DomainError):
    code = "quota_exists"
    message = _("This service already has a yearly quota. Change that one instead.")
    http_status = 409


class QuotaMaxBelowFree(DomainError):
    code = "quota_max_below_free"
    message = _("The most visits per year cannot be lower than the free visits.")
    http_status = 422


class StillInUse(DomainError):
    """A deletion refused because the object is still referred to; the message says what to
    do instead."""

    http_status = 409


class PlaceHasCheckpoints(StillInUse):
    code = "place_has_checkpoints"
    message = _("%(name)s still has doors, turnstiles or desks. Delete them first.")


class CheckpointHasHistory(StillInUse):
    code = "checkpoint_has_history"
    message = _("%(name)s has terminals or entries in the log, which keep referring to it: it "
                "stays. Revoke its terminals and close it in its opening hours instead.")


class OpenedByGroups(StillInUse):
    code = "opened_by_door_groups"
    message = _("Door groups open %(name)s: %(groups)s. Take it out of them first.")


class QuotaHasVisits(StillInUse):
    code = "quota_has_visits"
    message = _("Visits were already counted with this quota: it stays, so that households "
                "keep their count. Change its numbers instead.")


class SigningKeyUnusable(DomainError):
    code = "signing_key_unusable"
    message = _("This server cannot sign allow-lists: CIVICARD_TERMINAL_SIGNING_KEY is not set.")
    malformed = _("This server cannot sign allow-lists: CIVICARD_TERMINAL_SIGNING_KEY is not a "
                  "32-byte key in base64.")
    http_status = 503
