"""Threads and posts: the business rules behind the board pages.

Writing a post is one transaction: the post with its rendered HTML, its revision, its
moderation state ('pending', picked up by the worker) and the watch. Notifications wait for the worker:
nobody is told about a post before it is scored (forum.notifications.announce_post).
"""
from __future__ import annotations

import random
import time
from typing import Callable, TypeVar

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from forum.extensions import db
from forum.markup import render_markdown
from forum.models import Category, Post, PostRevision, Reaction, Subscription, Thread, ThreadRead, User, utcnow
from forum.notifications import mention_count
from forum.text import bad_text_reason, hidden_control_reason, slugify
from forum.visibility import reply_refusal, thread_refusal

T = TypeVar("T")


class BoardError(ValueError):
    """A rule about posting was broken; the message is shown to the user."""

    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class PostingRefused(BoardError):
    """The member may not post here (a locked or closed thread, a read-only or archived category)."""

    status = 403


class PostingBusy(BoardError):
    """The database kept refusing the write (a lock, a race lost several times); try again shortly."""

    status = 503


WRITE_ATTEMPTS = 5
BUSY_MESSAGE = "The forum is very busy and could not save your post just now. Nothing was posted; try again in a moment."


def check_title(title: str) -> str:
    title = " ".join((title or "").split())
    limit = current_app.config["MAX_TITLE_LENGTH"]
    if not title:
        raise BoardError("The title cannot be empty.", "title")
    if len(title) > limit:
        raise BoardError(f"The title is {len(title)} characters long; the limit is {limit}.", "title")
    if reason := bad_text_reason(title) or hidden_control_reason(title):
        raise BoardError(f"The title {reason}", "title")
    return title


def check_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n")
    limit = current_app.config["MAX_BODY_BYTES"]
    if not body.strip():
        raise BoardError("The post cannot be empty.", "body")
    size = len(body.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise BoardError(f"The post is {size:,} bytes; the limit is {limit:,} bytes.", "body")
    if reason := bad_text_reason(body):
        raise BoardError(f"The post {reason}", "body")
    check_mentions(body)
    return body


def check_mentions(body: str) -> None:
    limit = current_app.config["MAX_MENTIONS_PER_POST"]
    count = mention_count(body)
    if count > limit:
        raise BoardError(f"A post can mention at most {limit} members; this one mentions {count}. "
                         "Remove some @names and try again.", "body")


def ensure_can_post(user: User) -> None:
    if user.banned_at is not None:
        raise BoardError("Your account is banned and cannot post.")
    if user.is_suspended():
        raise BoardError(f"Your account is suspended until {user.suspended_until:%d %B %Y %H:%M} UTC.")


def create_thread(author: User, category: Category, title: str, body: str, submission: str | None = None) -> Thread:
    """A new thread with its first post; the same ``submission`` token again returns the same thread."""
    ensure_can_post(author)
    if reason := thread_refusal(category, author):
        raise PostingRefused(reason)
    title, body = check_title(title), check_body(body)
    category_id = category.id

    def write() -> Thread:
        done = _submitted(author, submission)
        return done.thread if done is not None else _thread_once(author, category_id, title, body, submission)

    return _with_retries(write)


def _thread_once(author: User, category_id: int, title: str, body: str, submission: str | None) -> Thread:
    now = utcnow()
    thread = Thread(category_id=category_id, author=author, title=title, slug=slugify(title, 80),
                    created_at=now, last_posted_at=now, post_count=1)
    db.session.add(thread)
    _add_post(author, thread, 1, body, now, submission)
    db.session.commit()
    return thread


def create_reply(author: User, thread: Thread, body: str, submission: str | None = None) -> Post:
    """A reply; the same ``submission`` token again (a double click, a resent form) returns the same post."""
    ensure_can_post(author)
    if reason := reply_refusal(thread, author):
        raise PostingRefused(reason)
    body = check_body(body)
    thread_id = thread.id
    return _with_retries(lambda: _submitted(author, submission) or _reply_once(author, thread_id, body, submission))


def _submitted(author: User, submission: str | None) -> Post | None:
    """The post this member already made from this form, if any. Two presses at once both get here
    first; the unique index makes the second insert fail, and its retry finds the first post."""
    if not submission:
        return None
    return db.session.scalar(select(Post).where(Post.author_id == author.id, Post.submission_key == submission))


def _reply_once(author: User, thread_id: int, body: str, submission: str | None) -> Post:
    """Take the next number with one UPDATE: it locks the thread row (PostgreSQL) or the database
    (SQLite) until commit, so two replies can never be given the same number."""
    now = utcnow()
    db.session.execute(update(Thread).where(Thread.id == thread_id)
                       .values(post_count=Thread.post_count + 1, last_posted_at=now)
                       .execution_options(synchronize_session=False))
    thread = db.session.get(Thread, thread_id, populate_existing=True)
    post = _add_post(author, thread, thread.post_count, body, now, submission)
    db.session.commit()
    return post


def _with_retries(write: Callable[[], T]) -> T:
    """Run one posting transaction; on a database error roll back and try again a few times."""
    for attempt in range(WRITE_ATTEMPTS):
        try:
            return write()
        except DBAPIError:
            db.session.rollback()
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    raise PostingBusy(BUSY_MESSAGE, "body")


def _add_post(author: User, thread: Thread, number: int, body: str, now, submission: str | None = None) -> Post:
    html = render_markdown(body)
    post = Post(thread=thread, author=author, number=number, body=body, body_html=html,
                created_at=now, moderation_state="pending", search_dirty=True, submission_key=submission)
    db.session.add(post)
    db.session.add(PostRevision(post=post, number=1, body=body, body_html=html,
                                title=thread.title if post.number == 1 else None, editor=author, created_at=now))
    db.session.flush()
    _watch(author, thread)
    _set_read(author, thread, post.number)
    return post  # mentions and watchers are told once the worker has scored it (forum.notifications.announce_post)


def edit_post(editor: User, post: Post, body: str, title: str | None = None) -> Post:
    """Every edit keeps a revision; the post goes back to the worker to be scored again."""
    if not editor.is_moderator:
        ensure_can_post(editor)
    body = check_body(body)
    new_title = check_title(title) if (title is not None and post.number == 1) else None
    if body == post.body and (new_title is None or new_title == post.thread.title):
        return post
    now = utcnow()
    if new_title is not None:
        post.thread.title, post.thread.slug = new_title, slugify(new_title, 80)
    post.body, post.body_html = body, render_markdown(body)
    post.edited_at, post.revision_count = now, post.revision_count + 1
    post.search_dirty = True
    if post.moderation_state != "held":
        post.moderation_state = "pending"
    db.session.add(PostRevision(post=post, number=post.revision_count, body=body, body_html=post.body_html,
                                title=post.thread.title if post.number == 1 else None, editor=editor, created_at=now))
    db.session.commit()
    return post


def delete_post(user: User, post: Post) -> None:
    """Soft delete: the text stays for moderators, readers see 'post removed by author'."""
    if post.deleted_at is not None:
        return
    post.deleted_at = utcnow()
    post.search_dirty = True
    db.session.commit()


def revisions(post: Post) -> list[PostRevision]:
    return list(db.session.scalars(
        select(PostRevision).where(PostRevision.post_id == post.id).order_by(PostRevision.number.desc())
    ))


def toggle_helpful(user: User, post: Post) -> bool:
    """Mark or unmark a post helpful; returns whether it is now marked."""
    if post.author_id == user.id:
        raise BoardError("You cannot mark your own post as helpful.")
    ensure_can_post(user)
    existing = db.session.scalar(select(Reaction).where(
        Reaction.post_id == post.id, Reaction.user_id == user.id, Reaction.kind == "helpful"))
    if existing is not None:
        db.session.delete(existing)
    else:
        db.session.add(Reaction(post_id=post.id, user_id=user.id, kind="helpful"))
    db.session.commit()
    return existing is None


def toggle_watch(user: User, thread: Thread) -> bool:
    existing = db.session.scalar(select(Subscription).where(
        Subscription.user_id == user.id, Subscription.thread_id == thread.id))
    if existing is not None:
        db.session.delete(existing)
    else:
        db.session.add(Subscription(user_id=user.id, thread_id=thread.id))
    db.session.commit()
    return existing is None


def _watch(user: User, thread: Thread) -> None:
    exists = db.session.scalar(select(Subscription.id).where(
        Subscription.user_id == user.id, Subscription.thread_id == thread.id))
    if not exists:
        db.session.add(Subscription(user_id=user.id, thread_id=thread.id))


def _set_read(user: User, thread: Thread, number: int) -> bool:
    """Move the member's read marker forward; returns whether it moved."""
    row = db.session.scalar(select(ThreadRead).where(ThreadRead.user_id == user.id, ThreadRead.thread_id == thread.id))
    if row is None:
        db.session.add(ThreadRead(user_id=user.id, thread_id=thread.id, last_read_number=number, read_at=utcnow()))
        return True
    if number > row.last_read_number:
        row.last_read_number, row.read_at = number, utcnow()
        return True
    return False


def mark_read(user: User, thread: Thread, number: int) -> None:
    """Commit only when the marker moves: a re-read costs no write."""
    if _set_read(user, thread, number):
        db.session.commit()


def quote_markdown(post: Post) -> str:
    """A quote block for a reply, attributed and linked back to the post."""
    lines = post.body.strip().splitlines() or [""]
    quoted = "\n".join(f"> {line}" if line else ">" for line in lines)
    return f"> **{post.author.username}** [wrote](/t/{post.thread_id}#p{post.id}):\n>\n{quoted}\n\n"

