"""The contents a resident can report, seen through one small interface per kind."""

from dataclasses import dataclass

from django.shortcuts import get_object_or_404

from civicard.moderation.models import ContentKind
from civicard.mutualaid.models import Message, News, Post
from civicard.people.models import Person


@dataclass
class Content:
    kind: str
    obj: object
    author: Person | None
    title: str
    text: str
    hidden: bool
    hideable: bool = True

    @property
    def pk(self):
        return self.obj.pk


def load(kind: str, object_id: int) -> Content:
    if kind == ContentKind.POST:
        post = get_object_or_404(Post.objects.select_related("author"), pk=object_id)
        return Content(kind, post, post.author, post.title, post.description,
                       post.status in (Post.Status.HIDDEN, Post.Status.HELD))
    if kind == ContentKind.MESSAGE:
        message = get_object_or_404(Message.objects.select_related("sender"), pk=object_id)
        return Content(kind, message, message.sender, "", message.body,
                       message.hidden_at is not None)
    if kind == ContentKind.NEWS:
        news = get_object_or_404(News.objects.select_related("author"), pk=object_id)
        author = Person.objects.filter(user=news.author).first()
        return Content(kind, news, author, news.title, news.body, news.hidden_at is not None)
    if kind == ContentKind.PROFILE:
        person = get_object_or_404(Person, pk=object_id, erased_at__isnull=True)
        return Content(kind, person, person, person.display_name, "", False, hideable=False)
    from civicard.core.errors import NotFound

    raise NotFound()


def set_hidden(content: Content, hidden: bool, at) -> None:
    obj = content.obj
    if content.kind == ContentKind.POST:
        Post.objects.filter(pk=obj.pk).update(
            status=Post.Status.HIDDEN if hidden else Post.Status.OPEN)
    elif content.kind in (ContentKind.MESSAGE, ContentKind.NEWS):
        type(obj).objects.filter(pk=obj.pk).update(hidden_at=at if hidden else None)
