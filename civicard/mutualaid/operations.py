"""Every write of the neighbourhood network. Keyword-only; each takes the acting login and `at`."""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicard.core import audit
from civicard.core.errors import InvalidInput, PermissionRefused
from civicard.core.permissions import Role, check_role, holds_role
from civicard.mutualaid.contact_details import find_contact_details
from civicard.mutualaid.exceptions import (
    Blocked,
    ContactDetailsInPublicPost,
    EmptyMessage,
    MedicalDetailsWarning,
    NoConsent,
    NotInConversation,
    NotYourPost,
    OwnPost,
    PostNotOpen,
    SanctionInForce,
)
from civicard.mutualaid.models import (
    Association,
    Block,
    Category,
    Conversation,
    Event,
    Follow,
    HelpfulNeighbour,
    Message,
    MutualAidSettings,
    News,
    PaperSlip,
    Post,
    TownMessage,
    TownRequest,
    VulnerabilityReport,
)
from civicard.notifications.operations import notify
from civicard.people.models import Person, User
from civicard.territory.models import Neighbourhood, Territory


def settings_for(territory: Territory) -> MutualAidSettings:
    found, _created = MutualAidSettings.objects.get_or_create(territory=territory)
    return found


# Checks


def check_no_contact_details(**texts: str) -> None:
    """Refuse phone numbers and e-mail addresses in public text, naming the field."""
    fields = {name: [ContactDetailsInPublicPost.message] for name, text in texts.items()
              if find_contact_details(text)}
    if fields:
        raise ContactDetailsInPublicPost(fields=fields)


def check_not_sanctioned(person: Person, at: datetime) -> None:
    from civicard.moderation.queries import sanction_in_force

    if sanction_in_force(person, at=at) is not None:
        raise SanctionInForce()


def check_not_blocked(a: Person, b: Person) -> None:
    if Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists():
        raise Blocked()


def _required(**values) -> None:
    missing = {name: [_("This field is required.")] for name, value in values.items()
               if not (value or "").strip()}
    if missing:
        raise InvalidInput(fields=missing)


def _person_of(user: User) -> Person:
    person = Person.objects.filter(user=user).first()
    if person is None:
        raise PermissionRefused()
    return person


# Posts


def _new_post(*, territory, kind, category, title, description, neighbourhood, availability,
              language, author, contact, origin, at) -> Post:
    from civicard.moderation.queries import held_word_in

    if kind not in Post.Kind.values:
        raise InvalidInput(fields={"kind": [_("Choose offer or request.")]})
    _required(title=title, description=description)
    check_no_contact_details(title=title, description=description, availability=availability)
    lifetime = settings_for(territory).post_lifetime_days
    held = held_word_in(territory, " ".join((title, description, availability)))
    return Post.objects.create(
        territory=territory, kind=kind, category=category, title=title.strip(),
        description=description.strip(), neighbourhood=neighbourhood,
        availability=availability.strip(), language=language, author=author, contact=contact,
        origin=origin, status=Post.Status.HELD if held else Post.Status.OPEN, created_at=at,
        expires_at=at + timedelta(days=lifetime))


@transaction.atomic
def create_post(*, author: Person, kind: str, category: Category, title: str, description: str,
                neighbourhood: Neighbourhood, availability: str, language: str, actor: User,
                at: datetime) -> Post:
    """A resident's offer or request. Held for review when it contains a held word."""
    check_not_sanctioned(author, at)
    return _new_post(territory=neighbourhood.commune.territory, kind=kind, category=category,
                     title=title, description=description, neighbourhood=neighbourhood,
                     availability=availability, language=language, author=author,
                     contact=author, origin=Post.Origin.RESIDENT, at=at)


def _own_post(post: Post, person: Person | None) -> Post:
    if person is None or post.contact_id != person.pk:
        raise NotYourPost()
    return post


@transaction.atomic
def close_post(*, post: Post, person: Person, actor: User, at: datetime) -> Post:
    """"Done, thank you": the author closes the post."""
    post = _own_post(Post.objects.select_for_update().get(pk=post.pk), person)
    if post.status != Post.Status.OPEN:
        raise PostNotOpen()
    post.status, post.closed_at = Post.Status.CLOSED, at
    post.save(update_fields=["status", "closed_at"])
    return post


@transaction.atomic
def renew_post(*, post: Post, person: Person, actor: User, at: datetime) -> Post:
    post = _own_post(Post.objects.select_for_update().get(pk=post.pk), person)
    if post.status != Post.Status.OPEN:
        raise PostNotOpen()
    post.expires_at = at + timedelta(days=settings_for(post.territory).post_lifetime_days)
    post.save(update_fields=["expires_at"])
    return post


# Private conversations


@transaction.atomic
def start_conversation(*, post: Post, person: Person, body: str, actor: User,
                       at: datetime) -> Conversation:
    """"I can help" / "I'm interested": a private conversation with the post's contact."""
    if post.status != Post.Status.OPEN or post.expires_at <= at:
        raise PostNotOpen()
    if post.contact_id == person.pk:
        raise OwnPost()
    check_not_sanctioned(person, at)
    check_not_blocked(person, post.contact)
    if not (body or "").strip():
        raise EmptyMessage(fields={"body": [EmptyMessage.message]})
    conversation, created = Conversation.objects.get_or_create(
        post=post, starter=person,
        defaults={"recipient": post.contact, "created_at": at, "last_message_at": at})
    _add_message(conversation, person, body, at)
    return conversation


def _add_message(conversation: Conversation, sender: Person, body: str, at: datetime) -> Message:
    body = (body or "").strip()
    if not body:
        raise EmptyMessage(fields={"body": [EmptyMessage.message]})
    message = Message.objects.create(conversation=conversation, sender=sender, body=body,
                                     language=sender.language, created_at=at)
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=at)
    other = conversation.other(sender)
    notify(to=other.addressee, kind="mutualaid.message",
           subject=_("New private message about \"%(title)s\""),
           body=_("%(name)s wrote to you about \"%(title)s\". Open Civicard to read and answer."),
           params={"name": sender.display_name, "title": conversation.post.title},
           url=reverse("mutualaid:conversation", args=[conversation.pk]), at=at)
    return message


@transaction.atomic
def send_message(*, conversation: Conversation, sender: Person, body: str, actor: User,
                 at: datetime) -> Message:
    """A private message: contact details are allowed here, by the person's own choice."""
    if sender.pk not in (conversation.starter_id, conversation.recipient_id):
        raise NotInConversation()
    check_not_sanctioned(sender, at)
    check_not_blocked(sender, conversation.other(sender))
    return _add_message(conversation, sender, body, at)


@transaction.atomic
def block_person(*, blocker: Person, blocked: Person, actor: User, at: datetime) -> Block:
    if blocker.pk == blocked.pk:
        raise InvalidInput()
    block, _created = Block.objects.get_or_create(blocker=blocker, blocked=blocked,
                                                  defaults={"created_at": at})
    return block


# Helpful neighbours


@transaction.atomic
def declare_helpful(*, person: Person, neighbourhood: Neighbourhood, skills, what: str,
                    when: str, actor: User, at: datetime) -> HelpfulNeighbour:
    _required(what=what, when=when)
    check_no_contact_details(what=what, when=when)
    helper, _created = HelpfulNeighbour.objects.update_or_create(
        person=person, defaults={"neighbourhood": neighbourhood, "what": what.strip(),
                                 "when": when.strip(), "is_active": True, "since": at})
    helper.skills.set(skills)
    return helper


@transaction.atomic
def stop_helpful(*, person: Person, actor: User, at: datetime) -> None:
    HelpfulNeighbour.objects.filter(person=person).update(is_active=False)


# The private line to the town (CCAS)


def _tell_social_workers(subject, body, url: str, at: datetime) -> None:
    """A content-free notice to every social worker: the e-mail must not carry the request."""
    from civicard.people.models import RoleAssignment

    users = RoleAssignment.objects.filter(role=Role.SOCIAL_WORKER).values_list("user_id",
                                                                              flat=True)
    for person in Person.objects.filter(user_id__in=users, erased_at__isnull=True):
        notify(to=person.addressee, kind="mutualaid.ccas_inbox", subject=subject, body=body,
               url=url, at=at)


@transaction.atomic
def ask_town(*, person: Person, category: Category, body: str, neighbourhood: Neighbourhood,
             consent_to_publish: bool, actor: User, at: datetime) -> TownRequest:
    _required(body=body)
    request = TownRequest.objects.create(
        territory=neighbourhood.commune.territory, person=person, category=category,
        body=body.strip(), neighbourhood=neighbourhood, language=person.language,
        created_at=at, consent_to_publish_at=at if consent_to_publish else None)
    TownMessage.objects.create(request=request, sender=person, body=body.strip(),
                               language=person.language, created_at=at)
    _tell_social_workers(_("A new private request to the town"),
                         _("A resident sent a private request. Open the social services desk "
                           "to read it."), reverse("mutualaid:ccas"), at)
    return request


@transaction.atomic
def reply_to_town(*, request: TownRequest, person: Person, body: str, actor: User,
                  at: datetime) -> TownMessage:
    if request.person_id != person.pk:
        raise NotInConversation()
    _required(body=body)
    return TownMessage.objects.create(request=request, sender=person, body=body.strip(),
                                      language=person.language, created_at=at)


@transaction.atomic
def give_consent(*, request: TownRequest, person: Person, actor: User, at: datetime) -> None:
    if request.person_id != person.pk:
        raise NotInConversation()
    TownRequest.objects.filter(pk=request.pk, consent_to_publish_at__isnull=True).update(
        consent_to_publish_at=at)
    audit.record(actor=actor, action="mutualaid.town_request_consent", obj=request, at=at)


@transaction.atomic
def answer_town_request(*, request: TownRequest, body: str, actor: User,
                        at: datetime) -> TownMessage:
    check_role(actor, Role.SOCIAL_WORKER)
    _required(body=body)
    sender = _person_of(actor)
    message = TownMessage.objects.create(request=request, sender=sender, from_town=True,
                                         body=body.strip(), language=sender.language,
                                         created_at=at)
    if request.status == TownRequest.Status.OPEN:
        TownRequest.objects.filter(pk=request.pk).update(status=TownRequest.Status.ANSWERED)
    notify(to=request.person.addressee, kind="mutualaid.town_answer",
           subject=_("The town answered your private request"),
           body=_("A social worker answered you. Open Civicard to read the answer."),
           url=reverse("mutualaid:town_request", args=[request.pk]), at=at)
    audit.record(actor=actor, action="mutualaid.town_request_answered", obj=request, at=at)
    return message


@transaction.atomic
def publish_town_request(*, request: TownRequest, kind: str, title: str, description: str,
                         actor: User, at: datetime) -> Post:
    """Publish the need anonymously, on the person's behalf; replies reach the social worker."""
    check_role(actor, Role.SOCIAL_WORKER)
    request = TownRequest.objects.select_for_update().get(pk=request.pk)
    if request.consent_to_publish_at is None:
        raise NoConsent()
    post = _new_post(territory=request.territory, kind=kind, category=request.category,
                     title=title, description=description, neighbourhood=request.neighbourhood,
                     availability="", language=request.language, author=None,
                     contact=_person_of(actor), origin=Post.Origin.TOWN, at=at)
    request.published_post, request.status = post, TownRequest.Status.PUBLISHED
    request.save(update_fields=["published_post", "status"])
    audit.record(actor=actor, action="mutualaid.town_request_published", obj=request,
                 extra={"post_id": post.pk}, at=at)
    return post


@transaction.atomic
def match_town_request(*, request: TownRequest, helper: HelpfulNeighbour, actor: User,
                       at: datetime) -> TownRequest:
    """Privately match the need to a helpful neighbour; the helper learns only the category."""
    check_role(actor, Role.SOCIAL_WORKER)
    request.matched_helper, request.status = helper, TownRequest.Status.MATCHED
    request.save(update_fields=["matched_helper", "status"])
    notify(to=helper.person.addressee, kind="mutualaid.match",
           subject=_("The town would like your help"),
           body=_("A neighbour needs help with: %(category)s. A social worker will call or "
                  "write to you to arrange it."),
           params={"category": str(request.category)}, at=at)
    audit.record(actor=actor, action="mutualaid.town_request_matched", obj=request,
                 extra={"helper_id": helper.pk}, at=at)
    return request


# Vulnerable-person reports


@transaction.atomic
def report_vulnerable_person(*, reporter: Person, territory: Territory, who: str, where: str,
                             why: str, actor: User, at: datetime) -> VulnerabilityReport:
    if not all((value or "").strip() for value in (who, where, why)):
        raise MedicalDetailsWarning(fields={
            name: [_("This field is required.")]
            for name, value in (("who", who), ("where", where), ("why", why))
            if not (value or "").strip()})
    report = VulnerabilityReport.objects.create(
        territory=territory, reporter=reporter, who=who.strip(), where=where.strip(),
        why=why.strip(), created_at=at)
    _tell_social_workers(_("A new report about a vulnerable person"),
                         _("A neighbour is worried about someone. Open the social services desk "
                           "to read the report."), reverse("mutualaid:ccas"), at)
    notify(to=reporter.addressee, kind="mutualaid.report_ack",
           subject=_("Thank you, the social services received your message"),
           body=_("A social worker will look into it. For the person's privacy you will not "
                  "receive news about them."), at=at)
    return report


@transaction.atomic
def record_outcome(*, report: VulnerabilityReport, outcome: str, note: str, close: bool,
                   actor: User, at: datetime) -> VulnerabilityReport:
    check_role(actor, Role.SOCIAL_WORKER)
    if outcome not in VulnerabilityReport.Outcome.values:
        raise InvalidInput(fields={"outcome": [_("Choose an outcome.")]})
    report = VulnerabilityReport.objects.select_for_update().get(pk=report.pk)
    report.outcome, report.outcome_note = outcome, (note or "").strip()
    report.handled_by, report.last_contact_at = actor, at
    if close or outcome == VulnerabilityReport.Outcome.UNFOUNDED:
        report.closed_at = at
    report.save(update_fields=["outcome", "outcome_note", "handled_by", "last_contact_at",
                               "closed_at"])
    audit.record(actor=actor, action="mutualaid.report_outcome", obj=report,
                 extra={"outcome": outcome}, at=at)
    return report


@transaction.atomic
def erase_expired_reports(*, at: datetime) -> int:
    """Erase closed or unfounded reports whose last contact is older than the retention."""
    erased = 0
    for territory in Territory.objects.all():
        cutoff = at - timedelta(days=settings_for(territory).report_retention_days)
        expired = (VulnerabilityReport.objects.filter(territory=territory)
                   .filter(Q(closed_at__isnull=False)
                           | Q(outcome=VulnerabilityReport.Outcome.UNFOUNDED))
                   .filter(Q(last_contact_at__lt=cutoff)
                           | Q(last_contact_at__isnull=True, closed_at__lt=cutoff)))
        ids = list(expired.values_list("pk", flat=True))
        if ids:
            VulnerabilityReport.objects.filter(pk__in=ids).delete()
            audit.record(actor=None, action="mutualaid.reports_erased", at=at,
                         extra={"count": len(ids), "territory_id": territory.pk})
            erased += len(ids)
    return erased


# Paper slips


@transaction.atomic
def type_paper_slip(*, box_location: str, slip_date: date, kind: str, category: Category,
                    title: str, description: str, neighbourhood: Neighbourhood, reach_by: str,
                    phone: str, actor: User, at: datetime) -> PaperSlip:
    """A social worker types a slip from a box and publishes it on the person's behalf."""
    check_role(actor, Role.SOCIAL_WORKER)
    _required(box_location=box_location)
    if reach_by not in PaperSlip.Reach.values:
        raise InvalidInput(fields={"reach_by": [_("Choose how to reach the person.")]})
    if reach_by == PaperSlip.Reach.PHONE and not (phone or "").strip():
        raise InvalidInput(fields={"phone": [_("Write the phone number from the slip.")]})
    post = _new_post(territory=neighbourhood.commune.territory, kind=kind, category=category,
                     title=title, description=description, neighbourhood=neighbourhood,
                     availability="", language="fr", author=None, contact=_person_of(actor),
                     origin=Post.Origin.SLIP, at=at)
    slip = PaperSlip.objects.create(box_location=box_location.strip(), slip_date=slip_date,
                                    reach_by=reach_by, phone=(phone or "").strip(),
                                    typed_by=actor, post=post, created_at=at)
    audit.record(actor=actor, action="mutualaid.paper_slip_typed", obj=slip, at=at)
    return slip


# Associations


def check_editor(association: Association, actor: User) -> None:
    if holds_role(actor, Role.ADMINISTRATOR):
        return
    check_role(actor, Role.ASSOCIATION_EDITOR)
    if not association.editors.filter(pk=actor.pk).exists():
        raise PermissionRefused()


@transaction.atomic
def update_association(*, association: Association, presentation: str, contact_email: str,
                       contact_phone: str, website: str, neighbourhood, categories, actor: User,
                       at: datetime) -> Association:
    check_editor(association, actor)
    _required(presentation=presentation)
    association.presentation, association.contact_email = presentation.strip(), contact_email
    association.contact_phone, association.website = contact_phone, website
    association.neighbourhood = neighbourhood
    association.save()
    association.categories.set(categories)
    audit.record(actor=actor, action="mutualaid.association_updated", obj=association, at=at)
    return association


def _tell_followers(association: Association, subject, body, params, url, at) -> None:
    for follow in Follow.objects.filter(association=association).select_related("person"):
        if follow.person.erased_at is None:
            notify(to=follow.person.addressee, kind="mutualaid.association", subject=subject,
                   body=body, params=params, url=url, at=at)


@transaction.atomic
def publish_news(*, association: Association, title: str, body: str, language: str,
                 actor: User, at: datetime) -> News:
    check_editor(association, actor)
    _required(title=title, body=body)
    news = News.objects.create(association=association, title=title.strip(), body=body.strip(),
                               language=language, published_at=at, author=actor)
    _tell_followers(association, _("News from %(association)s"),
                    _("%(association)s published: %(title)s"),
                    {"association": association.name, "title": news.title},
                    reverse("mutualaid:association", args=[association.slug]), at)
    return news


@transaction.atomic
def add_event(*, association: Association, title: str, description: str, starts_at: datetime,
              place: str, registration: str, is_free: bool, price: str, language: str,
              actor: User, at: datetime) -> Event:
    check_editor(association, actor)
    _required(title=title, place=place)
    if not is_free and not (price or "").strip():
        raise InvalidInput(fields={"price": [_("Write the price, or tick \"free\".")]})
    event = Event.objects.create(
        association=association, title=title.strip(), description=description.strip(),
        starts_at=starts_at, place=place.strip(), registration=registration.strip(),
        is_free=is_free, price="" if is_free else price.strip(), language=language,
        created_at=at)
    _tell_followers(association, _("New event by %(association)s"),
                    _("%(association)s invites you: %(title)s"),
                    {"association": association.name, "title": event.title},
                    reverse("mutualaid:association", args=[association.slug]), at)
    return event


@transaction.atomic
def follow_association(*, association: Association, person: Person, follow: bool, actor: User,
                       at: datetime) -> None:
    if follow:
        Follow.objects.get_or_create(association=association, person=person,
                                     defaults={"created_at": at})
    else:
        Follow.objects.filter(association=association, person=person).delete()


DEFAULT_CATEGORIES = [
    ("lend", "Tools and objects to lend", "🔧"), ("diy", "DIY", "🪚"),
    ("shopping", "Shopping and errands", "🛒"), ("housework", "Housework", "🧹"),
    ("company", "Company and visits", "☕"), ("transport", "Transport", "🚗"),
    ("paperwork", "Paperwork", "📄"), ("childcare", "Childcare", "🧸"), ("other", "Other", "🤝"),
]


def ensure_default_categories() -> None:
    """The built-in categories (also created by a data migration); a territory edits them in
    the admin."""
    for order, (code, label, icon) in enumerate(DEFAULT_CATEGORIES):
        Category.objects.get_or_create(code=code, defaults={"label": label, "icon": icon,
                                                            "order": order})


# Moderation (civicard/mutualaid/moderated.py registers these contents with it)


def set_hidden_by_moderation(*, item: Post | Message | News, hidden: bool,
                             at: datetime) -> None:
    """A moderator, or enough reports, hides a post, a message or a news item, or restores it
    (a held post is published this way); the decision is moderation's own record."""
    if isinstance(item, Post):
        Post.objects.filter(pk=item.pk).update(
            status=Post.Status.HIDDEN if hidden else Post.Status.OPEN)
    else:
        type(item).objects.filter(pk=item.pk).update(hidden_at=at if hidden else None)
