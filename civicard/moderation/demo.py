"""A moderation queue: reported posts (one hidden after 3 reports), a post held by the word
list, a decision under appeal waiting for a second moderator."""

from datetime import timedelta

from allauth.account.models import EmailAddress

from civicard.core.demo import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD
from civicard.core.permissions import Role
from civicard.moderation.models import Appeal, ContentReport, Decision, ModerationSettings
from civicard.mutualaid.models import Post
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
    if ContentReport.objects.exists() or not Post.objects.exists():
        return
    rng = ctx.rng_for("moderation")
    now = ctx.now
    moderator = User.objects.get(email=f"moderator@{DEMO_EMAIL_DOMAIN}")
    posts = list(Post.objects.filter(status=Post.Status.OPEN, author__isnull=False)
                 .order_by("pk")[:200])
    people = list(Person.objects.filter(user__isnull=True, erased_at__isnull=True)
                  .order_by("pk")[:300])
    reported = rng.sample(posts, 5)
    for index, post in enumerate(reported):
        reporters = [p for p in rng.sample(people, 4) if p.pk != post.author_id]
        count = 3 if index == 0 else 1 + index % 2
        for reporter in reporters[:count]:
            ContentReport.objects.create(
                kind="post", object_id=post.pk, author=post.author, reporter=reporter,
                reason=rng.choice(["spam", "fraud", "insult", "other"]),
                note="", created_at=now - timedelta(hours=index + 1))
        if count >= 3:
            Post.objects.filter(pk=post.pk).update(status=Post.Status.HIDDEN)
    Post.objects.create(
        territory=ctx.territory, kind=Post.Kind.OFFER, category=posts[0].category,
        title="Gagnez de l'argent facile en bitcoin", description="Investissement garanti.",
        language="fr", neighbourhood=posts[0].neighbourhood, author=posts[1].author,
        contact=posts[1].author, status=Post.Status.HELD, created_at=now,
        expires_at=now + timedelta(days=30))
    appealed = next(p for p in posts if p not in reported)
    Post.objects.filter(pk=appealed.pk).update(status=Post.Status.HIDDEN)
    decision = Decision.objects.create(
        action=Decision.Action.HIDE, kind="post", object_id=appealed.pk,
        subject=appealed.author, moderator=moderator, created_at=now - timedelta(days=1),
        justification="Annonce commerciale : le réseau est réservé à l'entraide gratuite.")
    Appeal.objects.create(decision=decision, appellant=appealed.author,
                          original_moderator=moderator, created_at=now - timedelta(hours=3),
                          text="Ce n'est pas une publicité, je prête vraiment cet objet.")
    ctx.notes.append("Moderation: /moderation/ (moderator@: reports and a held post; "
                     "moderator2@ decides the pending appeal).")
