"""Posts, messages and association news as moderation sees them: registered with it when the
app is ready, hidden and restored through mutualaid's own operations."""

from datetime import datetime

from django.shortcuts import get_object_or_404

from civicard.moderation import content as contents
from civicard.moderation.content import Content
from civicard.moderation.models import ContentKind
from civicard.mutualaid.models import Message, News, Post
from civicard.mutualaid.operations import set_hidden_by_moderation
from civicard.people.models import Person


def _rows(model, lock: bool):
    return model.objects.select_for_update(of=("self",)) if lock else model.objects


def _post(object_id: int, lock: bool) -> Content:
    post = get_object_or_404(_rows(Post, lock).select_related("author", "territory"),
                             pk=object_id)
    return Content(ContentKind.POST, post, post.author, post.title, post.description,
                   hidden=post.status in (Post.Status.HIDDEN, Post.Status.HELD),
                   held=post.status == Post.Status.HELD,
                   listed=post.status in (Post.Status.OPEN, Post.Status.CLOSED),
                   territory=post.territory, hides_on_reports=post.status == Post.Status.OPEN)


def _message(object_id: int, lock: bool) -> Content:
    message = get_object_or_404(_rows(Message, lock).select_related("sender", "conversation"),
                                pk=object_id)
    conversation = message.conversation
    return Content(ContentKind.MESSAGE, message, message.sender, "", message.body,
                   hidden=message.hidden_at is not None,
                   readers=frozenset({conversation.starter_id, conversation.recipient_id}))


def _news(object_id: int, lock: bool) -> Content:
    news = get_object_or_404(_rows(News, lock).select_related("author"), pk=object_id)
    author = Person.objects.filter(user=news.author).first()
    return Content(ContentKind.NEWS, news, author, news.title, news.body,
                   hidden=news.hidden_at is not None)


def _set_hidden(content: Content, hidden: bool, at: datetime) -> None:
    set_hidden_by_moderation(item=content.obj, hidden=hidden, at=at)


def _held_posts(limit: int) -> list[dict]:
    return list(Post.objects.filter(status=Post.Status.HELD).order_by("created_at")
                .values("pk", "title", "created_at")[:limit])


def register() -> None:
    contents.register(ContentKind.POST, load=_post, set_hidden=_set_hidden, held=_held_posts)
    contents.register(ContentKind.MESSAGE, load=_message, set_hidden=_set_hidden)
    contents.register(ContentKind.NEWS, load=_news, set_hidden=_set_hidden)
