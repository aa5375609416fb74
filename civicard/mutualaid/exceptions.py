from django.utils.translation import gettext_lazy as _

from civicard.core.errors import DomainError


class ContactDetailsInPublicPost(DomainError):
    code = "contact_details_in_public_post"
    message = _("For your safety, do not write a phone number or an e-mail address in a public "
                "post: everyone in the town can read it. Neighbours will write to you privately "
                "and you can share your number there if you wish.")
    http_status = 422


class PostNotOpen(DomainError):
    code = "post_not_open"
    message = _("This post is closed or has expired.")
    http_status = 409


class NotYourPost(DomainError):
    code = "not_your_post"
    message = _("Only the author of this post can do this.")
    http_status = 403


class OwnPost(DomainError):
    code = "own_post"
    message = _("This is your own post.")
    http_status = 409


class Blocked(DomainError):
    code = "blocked"
    message = _("You cannot write to this person.")
    http_status = 403


class NotInConversation(DomainError):
    code = "not_in_conversation"
    message = _("This conversation is not yours.")
    http_status = 404


class EmptyMessage(DomainError):
    code = "empty_message"
    message = _("Write a message before sending it.")
    http_status = 422


class NoConsent(DomainError):
    code = "no_consent"
    message = _("The person has not agreed to publish their request.")
    http_status = 409


class SanctionInForce(DomainError):
    code = "sanction_in_force"
    message = _("Your account cannot publish or write at the moment because of a moderation "
                "decision. See your messages to know why and to appeal.")
    http_status = 403


class MedicalDetailsWarning(DomainError):
    code = "invalid_report"
    message = _("Fill in who the person is, where they can be found and why you are worried.")
    http_status = 422
