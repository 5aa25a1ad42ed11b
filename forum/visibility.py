"""Who may see what: the one place pages, search, feeds and the API ask.

A post is public when it is not deleted, not hidden by moderators and not held for review.
Moderators see everything; authors see their own hidden or held posts, marked as such.
A thread is visible when its first post is, or when its author deleted the first post
(the replies stay readable under a "removed by author" placeholder).
"""
from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from forum.extensions import db
from forum.models import Category, Post, Thread, User


def _viewer_id(viewer: Any) -> int | None:
    return getattr(viewer, "id", None) if getattr(viewer, "is_authenticated", False) else None


def is_moderator(viewer: Any) -> bool:
    return bool(getattr(viewer, "is_authenticated", False) and getattr(viewer, "is_moderator", False))


def post_is_public(post: Post) -> bool:
    return post.deleted_at is None and post.hidden_at is None and post.moderation_state != "held"


def can_see_post(post: Post, viewer: Any) -> bool:
    """May the viewer read this post's content?"""
    if post_is_public(post) or is_moderator(viewer):
        return True
    return post.deleted_at is None and post.author_id == _viewer_id(viewer)


ANNOUNCED_STATES = ("clean", "flagged")  # scored by the worker, or approved by a moderator


def can_announce_post(post: Post) -> bool:
    """May others be told about this post (mentions, watchers)? Only once it is scored and in public view:
    never while pending or held, and never in a thread whose first post is held or hidden."""
    if not post_is_public(post) or post.moderation_state not in ANNOUNCED_STATES:
        return False
    first = post if post.number == 1 else db.session.scalar(
        select(Post).where(Post.thread_id == post.thread_id, Post.number == 1))
    return first is not None and (first.deleted_at is not None or post_is_public(first))


def shows_in_thread(post: Post, viewer: Any) -> bool:
    """Deleted posts keep their place as 'removed by author'; hidden and held ones vanish for others."""
    return post.deleted_at is not None or can_see_post(post, viewer)


def visible_posts_clause(viewer: Any, post=Post):
    """SQL condition: posts whose content the viewer may read (search, feeds, API)."""
    if is_moderator(viewer):
        return post.deleted_at.is_(None)
    public = and_(post.deleted_at.is_(None), post.hidden_at.is_(None), post.moderation_state != "held")
    viewer_id = _viewer_id(viewer)
    if viewer_id is None:
        return public
    return or_(public, and_(post.deleted_at.is_(None), post.author_id == viewer_id))


def visible_threads_clause(viewer: Any):
    """SQL condition on Thread: its first post is visible to the viewer."""
    first = aliased(Post)
    return (
        select(first.id)
        .where(first.thread_id == Thread.id, first.number == 1,
               or_(first.deleted_at.is_not(None), visible_posts_clause(viewer, first)))
        .exists()
    )


def can_see_thread(first_post: Post | None, viewer: Any) -> bool:
    return first_post is not None and (first_post.deleted_at is not None or can_see_post(first_post, viewer))


def is_former_member(user: User) -> bool:
    """The account was deleted; its row stays under a deleted-member-N placeholder."""
    from forum.privacy.models import AccountDeletion

    return db.session.scalar(select(AccountDeletion.id).where(AccountDeletion.user_id == user.id)) is not None


def listed_members_clause():
    """SQL condition on User: who the members directory (/users) shows. Not a former member (their row
    is a deleted-member-N placeholder) and not a banned account."""
    from forum.privacy.models import AccountDeletion

    erased = select(AccountDeletion.id).where(AccountDeletion.user_id == User.id).exists()
    return and_(User.banned_at.is_(None), ~erased)


def can_list_posts_by(author: User, viewer: Any) -> bool:
    """May the viewer gather this member's posts into one list (the profile, an author: search)?

    A member who hides their post list from visitors (every former member does) is listed for
    logged-in members only. Their posts still read in their threads either way.
    """
    return not author.hide_posts_from_visitors or _viewer_id(viewer) is not None


def can_search_by_author(author: User, viewer: Any) -> bool:
    """author: searches follow the profile's rule, and a former member's deleted-member-N placeholder
    finds nothing for anyone but moderators: typed into a search, it would gather everything they kept."""
    if is_moderator(viewer):
        return True
    return can_list_posts_by(author, viewer) and not is_former_member(author)


def can_edit_post(post: Post, viewer: Any) -> bool:
    """The member route edits the viewer's own posts only. Moderators edit others' posts through
    moderation/actions.edit, which keeps an audit entry and tells the author."""
    if not getattr(viewer, "is_authenticated", False) or post.deleted_at is not None:
        return False
    return post.author_id == viewer.id and viewer.can_participate and not post.thread.locked


def redaction_number(post: Post, revisions: Sequence[Any]) -> int:
    """The latest version written by someone other than the author (a moderator's edit), or 0."""
    return max((r.number for r in revisions if r.editor_id != post.author_id), default=0)


def visible_revisions(post: Post, revisions: Sequence[Any], viewer: Any) -> list:
    """Edit history: moderators see every version; the author sees their versions since the last
    moderator edit (what a moderator removed stays removed); everyone else sees the current text only."""
    if is_moderator(viewer):
        return list(revisions)
    if post.author_id == _viewer_id(viewer):
        cutoff = redaction_number(post, revisions)
        return [r for r in revisions if r.number >= cutoff]
    current = max((r.number for r in revisions), default=0)
    return [r for r in revisions if r.number == current]


def thread_refusal(category: Category, viewer: User | Any) -> str | None:
    """Why the viewer may not start a thread in this category, in words; None when they may."""
    if not getattr(viewer, "is_authenticated", False):
        return "Log in to start a thread."
    if not viewer.can_participate:
        return "Your account is suspended or banned and cannot start threads right now."
    if category.archived_at is not None:
        return f"“{category.name}” is archived: its threads stay readable, but no new threads can be started."
    if category.read_only and not is_moderator(viewer):
        return f"Only moderators and admins can start threads in “{category.name}”."
    return None


def can_start_thread(category: Category, viewer: User | Any) -> bool:
    return thread_refusal(category, viewer) is None


def reply_refusal(thread: Thread, viewer: User | Any) -> str | None:
    """Why the viewer may not reply to this thread, in words; None when they may. Moderators and admins
    may still reply to locked and closed threads and in read-only categories."""
    if not getattr(viewer, "is_authenticated", False):
        return "Log in to reply."
    if not viewer.can_participate:
        return "Your account is suspended or banned and cannot post right now."
    if is_moderator(viewer):
        return None
    if thread.locked:
        return "This thread is locked. No new replies can be added."
    if thread.closed:
        return "This thread is closed. No new replies can be added; you can still edit your own posts."
    if thread.category.read_only:
        return f"Only moderators and admins can post in “{thread.category.name}”."
    return None


def can_reply(thread: Thread, viewer: User | Any) -> bool:
    return reply_refusal(thread, viewer) is None
