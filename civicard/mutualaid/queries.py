"""Reads of the neighbourhood network. Requests to the town and vulnerable-person reports are
read only here, only by social workers, and every read of a report is audited."""

from datetime import datetime

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from civicard.core import audit
from civicard.core.permissions import Role, check_role
from civicard.mutualaid.models import (
    Association,
    Category,
    Conversation,
    HelpfulNeighbour,
    PaperSlip,
    Post,
    TownRequest,
    VulnerabilityReport,
)
from civicard.people.models import Person
from civicard.territory.models import Neighbourhood


def categories():
    return Category.objects.filter(is_active=True)


def home_neighbourhood(person: Person | None) -> Neighbourhood | None:
    """The neighbourhood of the person's first household with an address."""
    if person is None:
        return None
    return (Neighbourhood.objects.filter(addresses__households__memberships__person=person)
            .select_related("commune").order_by("addresses__households__pk").first())


def adjacent_neighbourhood_ids(home: Neighbourhood | None) -> list[int]:
    """"Adjacent" kept simple: the other neighbourhoods of the same commune."""
    if home is None:
        return []
    return list(Neighbourhood.objects.filter(commune_id=home.commune_id).exclude(pk=home.pk)
                .values_list("pk", flat=True))


def visible_posts(at: datetime):
    return Post.objects.filter(status=Post.Status.OPEN, expires_at__gt=at)


def feed(*, person: Person | None, at: datetime, kind: str = "", category: str = "",
         neighbourhood: int | None = None, text: str = "", limit: int = 30, offset: int = 0):
    """Open posts, newest first: the person's neighbourhood, then the adjacent ones, then the
    rest. Each tier is one indexed query; a page only reads the tiers it needs."""
    posts = visible_posts(at)
    if kind:
        posts = posts.filter(kind=kind)
    if category:
        posts = posts.filter(category__code=category)
    if text:
        posts = posts.filter(Q(title__icontains=text) | Q(description__icontains=text))
    posts = posts.select_related("category", "neighbourhood", "author__helpful_neighbour")
    home = None if neighbourhood else home_neighbourhood(person)
    if neighbourhood:
        tiers = [posts.filter(neighbourhood_id=neighbourhood)]
    elif home is None:
        tiers = [posts]
    else:
        near = adjacent_neighbourhood_ids(home)
        tiers = [posts.filter(neighbourhood_id=home.pk),
                 posts.filter(neighbourhood_id__in=near),
                 posts.exclude(neighbourhood_id__in=[home.pk, *near])]
    page, skip = [], offset
    for tier in tiers:
        tier = tier.order_by("-created_at", "-pk")
        if skip:
            size = tier.count()
            if size <= skip:
                skip -= size
                continue
        page += list(tier[skip:skip + limit - len(page)])
        skip = 0
        if len(page) >= limit:
            break
    return page


def post_for(person: Person | None, pk: int, at: datetime) -> Post:
    """An open post for anyone; the contact also sees their closed, held or hidden posts."""
    post = get_object_or_404(Post.objects.select_related(
        "category", "neighbourhood", "author__helpful_neighbour"), pk=pk)
    if person is not None and post.contact_id == person.pk:
        return post
    if post.status not in (Post.Status.OPEN, Post.Status.CLOSED):
        from civicard.core.errors import NotFound

        raise NotFound()
    return post


def my_posts(person: Person):
    return (Post.objects.filter(contact=person).select_related("category", "neighbourhood")
            .order_by("-created_at"))


def conversations_of(person: Person):
    return (Conversation.objects.filter(Q(starter=person) | Q(recipient=person))
            .select_related("post", "starter", "recipient").order_by("-last_message_at"))


def conversation_for(person: Person | None, pk: int) -> Conversation:
    if person is None:
        from civicard.core.errors import NotFound

        raise NotFound()
    return get_object_or_404(conversations_of(person), pk=pk)


def map_counts(at: datetime):
    """Per neighbourhood: helpful neighbours and open offers. Counts only, never a person."""
    hoods = Neighbourhood.objects.select_related("commune")
    helpers = dict(HelpfulNeighbour.objects.filter(is_active=True).values("neighbourhood_id")
                   .annotate(n=Count("pk")).values_list("neighbourhood_id", "n"))
    offers = dict(visible_posts(at).filter(kind=Post.Kind.OFFER).values("neighbourhood_id")
                  .annotate(n=Count("pk")).values_list("neighbourhood_id", "n"))
    rows = []
    for hood in hoods.order_by("commune__name", "name"):
        rows.append({"id": hood.pk, "name": hood.name, "commune": hood.commune.name,
                     "latitude": float(hood.centre_latitude),
                     "longitude": float(hood.centre_longitude),
                     "helpful_neighbours": helpers.get(hood.pk, 0),
                     "open_offers": offers.get(hood.pk, 0)})
    return rows


# Social workers only


def town_requests(reader, *, status: str = ""):
    check_role(reader, Role.SOCIAL_WORKER)
    requests = TownRequest.objects.select_related("person", "category", "neighbourhood")
    if status:
        requests = requests.filter(status=status)
    return requests.order_by("-created_at")


def town_request_for_staff(reader, pk: int) -> TownRequest:
    check_role(reader, Role.SOCIAL_WORKER)
    request = get_object_or_404(TownRequest.objects.select_related(
        "person", "category", "neighbourhood", "published_post", "matched_helper__person"), pk=pk)
    audit.record(actor=reader, action="mutualaid.town_request_read", obj=request)
    return request


def town_requests_of(person: Person):
    return TownRequest.objects.filter(person=person).select_related("category").order_by(
        "-created_at")


def town_request_for_person(person: Person | None, pk: int) -> TownRequest:
    if person is None:
        from civicard.core.errors import NotFound

        raise NotFound()
    return get_object_or_404(town_requests_of(person), pk=pk)


def reports(reader):
    """The list shows no content (who, where, why): opening one is the audited read."""
    check_role(reader, Role.SOCIAL_WORKER)
    return (VulnerabilityReport.objects.only("pk", "created_at", "outcome", "closed_at")
            .order_by("closed_at", "-created_at"))


def report_for(reader, pk: int) -> VulnerabilityReport:
    check_role(reader, Role.SOCIAL_WORKER)
    report = get_object_or_404(VulnerabilityReport, pk=pk)
    audit.record(actor=reader, action="mutualaid.report_read", obj=report)
    return report


def paper_slips(reader):
    check_role(reader, Role.SOCIAL_WORKER)
    return PaperSlip.objects.select_related("post").order_by("-created_at")


def find_helpers(reader, *, neighbourhood: int | None = None, category: str = ""):
    check_role(reader, Role.SOCIAL_WORKER)
    helpers = HelpfulNeighbour.objects.filter(is_active=True, person__erased_at__isnull=True)
    if neighbourhood:
        helpers = helpers.filter(neighbourhood_id=neighbourhood)
    if category:
        helpers = helpers.filter(skills__code=category)
    return (helpers.select_related("person", "neighbourhood").prefetch_related("skills")
            .distinct().order_by("neighbourhood__name", "person__full_name"))


# Associations


def associations():
    return Association.objects.select_related("neighbourhood").order_by("name")


def association(slug: str) -> Association:
    return get_object_or_404(Association.objects.select_related("neighbourhood"), slug=slug)
