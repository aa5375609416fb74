"""`seed-scale`: a year of neighbourhood posts for a chunk (one for 5 residents: 200,000 at a
million, the issue's "mutual-aid feed at 200,000 posts"), offers and requests by the chunk's
adults in their own neighbourhood, with the demo's texts and categories; about a third
answered in a private conversation of one to four messages; a quarter closed ("done, thank
you"); 1 % hidden by a moderator after a resident's report (the report resolved, the
decision recorded, as moderation's own operations leave them)."""

from datetime import timedelta

from civicard.core import bulk
from civicard.core.demo import DEMO_EMAIL_DOMAIN
from civicard.core.scale import own_rng
from civicard.moderation.models import ContentKind, ContentReport
from civicard.moderation.models import Decision as ModerationDecision
from civicard.mutualaid.demo import TEXTS
from civicard.mutualaid.models import Category, Conversation, Message, MutualAidSettings, Post
from civicard.people.models import User

POSTS_PER_RESIDENT = 0.2
ANSWERED = 0.35
CLOSED = 0.25
HIDDEN = 0.01
REPLIES = [("fr", "Bonjour, je peux vous aider !"),
           ("fr", "Je suis intéressée, c'est toujours possible ?"),
           ("fr", "Merci beaucoup, à samedi alors."),
           ("fr", "C'est d'accord, je passe vers 18 h."),
           ("en", "Hello, I can help this weekend.")]


def _fixed(run):
    bulk.known(run.ids, Post, Conversation)  # read now: not while a chunk is written
    lifetime = MutualAidSettings.objects.order_by("pk").values_list(
        "post_lifetime_days", flat=True).first() or 30
    return {
        "categories": dict(Category.objects.values_list("code", "pk")),
        "territory": Post.objects.order_by("pk").values_list("territory_id", flat=True).first(),
        "moderator": User.objects.filter(email=f"moderator@{DEMO_EMAIL_DOMAIN}").values_list(
            "pk", flat=True).first(),
        "lifetime": timedelta(days=lifetime),
    }


def build(chunk):
    fixed = chunk.run.once("mutualaid", lambda: _fixed(chunk.run))
    if fixed["territory"] is None:
        return
    rng, now, writer = own_rng(chunk, "mutualaid"), chunk.now, chunk.writer
    posts = writer.table(Post, "id territory_id kind category_id title description "
                               "neighbourhood_id availability language author_id contact_id "
                               "status created_at expires_at closed_at")
    conversations = writer.table(Conversation, "id post_id starter_id recipient_id created_at "
                                               "last_message_at")
    messages = writer.table(Message, "conversation_id sender_id body language created_at")
    reports = writer.table(ContentReport, "kind object_id author_id reporter_id reason "
                                          "created_at resolved_at")
    decisions = writer.table(ModerationDecision, "action kind object_id subject_id moderator_id "
                                                 "justification created_at")
    homes = chunk.made["hoods"]
    adults = [(person, homes[household]) for household, _c, _b, members in chunk.made["households"]
              for person, adult, _age in members if adult]
    people = sum(len(members) for *_x, members in chunk.made["households"])
    texts = [text for text in TEXTS if text[2] in fixed["categories"]]
    if len(adults) < 2 or not texts:
        return
    year = int(timedelta(days=365).total_seconds())
    for _ in range(round(POSTS_PER_RESIDENT * people)):
        language, kind, category, title, description, availability = rng.choice(texts)
        author, hood = rng.choice(adults)
        created = now - timedelta(seconds=rng.randint(60, year))
        expires = created + fixed["lifetime"] * rng.choice([1, 1, 1, 2])
        roll = rng.random()
        hidden = roll < HIDDEN and fixed["moderator"] is not None
        closed = None
        if not hidden and roll < HIDDEN + CLOSED:
            closed = min(now, created + timedelta(hours=rng.randint(2, 24 * 10)))
        status = (Post.Status.HIDDEN if hidden else Post.Status.CLOSED if closed
                  else Post.Status.OPEN)
        post = posts.next_id()
        posts.add(post, fixed["territory"], kind, fixed["categories"][category], title,
                  description, hood, availability, language, author, author, status, created,
                  expires, closed)
        if hidden:
            reporter = rng.choice(adults)[0]
            if reporter == author:
                reporter = next(person for person, _hood in adults if person != author)
            moment = min(now, created + timedelta(hours=rng.randint(1, 48)))
            reports.add(ContentKind.POST, post, author, reporter,
                        rng.choice(["spam", "fraud", "insult"]), moment, moment)
            decisions.add("hide", ContentKind.POST, post, author, fixed["moderator"],
                          "Annonce commerciale : le réseau est réservé à l'entraide gratuite.",
                          moment)
            continue
        if rng.random() >= ANSWERED:
            continue
        starters = {rng.choice(adults)[0] for _ in range(rng.choice([1, 1, 2]))} - {author}
        for starter in sorted(starters):
            conversation = conversations.next_id()
            at, senders = created, [starter, author]
            for n in range(rng.randint(1, 4)):
                at = min(now, at + timedelta(minutes=rng.randint(5, 60 * 30)))
                language, body = rng.choice(REPLIES)
                messages.add(conversation, senders[n % 2], body, language, at)
            conversations.add(conversation, post, starter, author, created, at)
