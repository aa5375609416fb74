"""Moderation settings (a word list) and a second moderator to decide appeals; the queue
itself comes from the residents of the mutualaid demo."""


from allauth.account.models import EmailAddress

from civicard.core.demo import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD
from civicard.core.permissions import Role
from civicard.moderation.models import ModerationSettings
from civicard.people.models import Person, RoleAssignment, User


def _second_moderator():
    email = f"moderator2@{DEMO_EMAIL_DOMAIN}"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        Person.objects.create(user=user, full_name="Hugo Marchand", language="fr", email=email)
        RoleAssignment.objects.create(user=user, role=Role.MODERATOR)
    return user


def load(ctx):
    second = _second_moderator()
    ctx.logins.append(("Second moderator (decides appeals)", second.email))
    ModerationSettings.objects.get_or_create(
        territory=ctx.territory,
        defaults={"auto_hide_threshold": 3, "held_words": "bitcoin\ncasino\nvirement urgent"})
    ctx.notes.append("Moderation: /moderation/ (moderator@: reports and a held post; "
                     "moderator2@ decides the pending appeal).")
