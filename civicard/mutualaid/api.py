from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.responses import Status
from ninja.security import django_auth

from civicard.core import clock
from civicard.core.errors import NotFound
from civicard.core.validation import Id, Offset, Text
from civicard.mutualaid import operations, queries
from civicard.mutualaid.models import Category, Post
from civicard.territory.models import Neighbourhood
from civicard.territory.queries import current_territory

router = Router(tags=["mutual aid"], auth=django_auth)


def _resident(request):
    if request.resident is None:
        raise NotFound()
    return request.resident


class PostOut(Schema):
    id: int
    kind: str
    category: str
    title: str
    description: str
    neighbourhood: str
    availability: str
    language: str
    status: str
    relayed_by_town: bool
    helpful_neighbour: bool
    created_at: datetime
    expires_at: datetime


def _post_out(post: Post) -> dict:
    helper = getattr(post.author, "helpful_neighbour", None) if post.author_id else None
    return {"id": post.pk, "kind": post.kind, "category": post.category.code,
            "title": post.title, "description": post.description,
            "neighbourhood": post.neighbourhood.name, "availability": post.availability,
            "language": post.language, "status": post.status,
            "relayed_by_town": post.relayed_by_town,
            "helpful_neighbour": bool(helper and helper.is_active),
            "created_at": post.created_at, "expires_at": post.expires_at}


class PostIn(Schema):
    kind: Text
    category: Text
    title: Text
    description: Text
    neighbourhood_id: Id
    availability: Text = ""
    language: Text = "fr"


class MessageIn(Schema):
    body: Text


class CreatedOut(Schema):
    id: int


class TownRequestIn(Schema):
    category: Text
    body: Text
    neighbourhood_id: Id
    consent_to_publish: bool = False


class TownRequestOut(Schema):
    id: int
    category: str
    body: Text
    neighbourhood: str
    status: str
    created_at: datetime


class ReportIn(Schema):
    who: Text
    where: Text
    why: Text


class ReportOut(Schema):
    id: int
    who: str
    where: str
    why: str
    outcome: str
    created_at: datetime


class MapRow(Schema):
    id: int
    name: str
    commune: str
    latitude: float
    longitude: float
    helpful_neighbours: int
    open_offers: int


@router.get("/posts", response=list[PostOut], summary="Open posts, my neighbourhood first")
def list_posts(request, kind: str = "", category: str = "", neighbourhood: Id | None = None,
               q: str = "", offset: Offset = 0):
    posts = queries.feed(person=request.resident, at=clock.now(), kind=kind, category=category,
                         neighbourhood=neighbourhood, text=q[:100], offset=offset)
    return [_post_out(p) for p in posts]


@router.post("/posts", response={201: PostOut}, summary="Publish an offer or a request")
def create_post(request, payload: PostIn):
    person = _resident(request)
    post = operations.create_post(
        author=person, kind=payload.kind,
        category=get_object_or_404(Category, code=payload.category, is_active=True),
        title=payload.title, description=payload.description,
        neighbourhood=get_object_or_404(Neighbourhood, pk=payload.neighbourhood_id),
        availability=payload.availability, language=payload.language, actor=request.user,
        at=clock.now())
    return Status(201, _post_out(post))


@router.get("/posts/{post_id}", response=PostOut)
def get_post(request, post_id: Id):
    return _post_out(queries.post_for(request.resident, post_id, clock.now()))


@router.post("/posts/{post_id}/contact", response={201: CreatedOut},
             summary="I can help / I'm interested: open a private conversation")
def contact(request, post_id: Id, payload: MessageIn):
    person = _resident(request)
    post = queries.post_for(person, post_id, clock.now())
    conversation = operations.start_conversation(post=post, person=person, body=payload.body,
                                                 actor=request.user, at=clock.now())
    return Status(201, {"id": conversation.pk})


@router.post("/town-requests", response={201: CreatedOut},
             summary="Ask the town privately (only social workers read it)")
def ask_town(request, payload: TownRequestIn):
    person = _resident(request)
    made = operations.ask_town(
        person=person, category=get_object_or_404(Category, code=payload.category),
        body=payload.body,
        neighbourhood=get_object_or_404(Neighbourhood, pk=payload.neighbourhood_id),
        consent_to_publish=payload.consent_to_publish, actor=request.user, at=clock.now())
    return Status(201, {"id": made.pk})


@router.get("/town-requests", response=list[TownRequestOut], summary="Social workers only")
def town_requests(request):
    return [{"id": r.pk, "category": r.category.code, "body": r.body,
             "neighbourhood": r.neighbourhood.name, "status": r.status,
             "created_at": r.created_at} for r in queries.town_requests(request.user)[:100]]


@router.post("/vulnerable-person-reports", response={201: CreatedOut},
             summary="Report a vulnerable or isolated person to the social services")
def report_person(request, payload: ReportIn):
    person = _resident(request)
    report = operations.report_vulnerable_person(
        reporter=person, territory=current_territory(), who=payload.who, where=payload.where,
        why=payload.why, actor=request.user, at=clock.now())
    return Status(201, {"id": report.pk})


@router.get("/vulnerable-person-reports/{report_id}", response=ReportOut,
            summary="Social workers only; every read is audited")
def get_report(request, report_id: Id):
    report = queries.report_for(request.user, report_id)
    return {"id": report.pk, "who": report.who, "where": report.where, "why": report.why,
            "outcome": report.outcome, "created_at": report.created_at}


@router.get("/map", response=list[MapRow], auth=None,
            summary="Helpful neighbours and open offers per neighbourhood (counts only)")
def neighbourhood_map(request):
    return queries.map_counts(clock.now())
