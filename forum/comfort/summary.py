"""The short version of a long thread, for tired eyes: the first post, the replies members found
most helpful, and every moderator context note, in thread order. Visibility as everywhere else."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from forum.boards.queries import count_thread_posts, first_post
from forum.extensions import db
from forum.models import Post, Reaction, Thread
from forum.visibility import shows_in_thread, visible_posts_clause

MOST_HELPFUL = 5
WORTH_SUMMARISING = 6  # the thread page offers the summary from this many posts on


@dataclass
class SummaryItem:
    post: Post
    reasons: list[str] = field(default_factory=list)


@dataclass
class Summary:
    items: list[SummaryItem]
    total_posts: int

    @property
    def shown(self) -> int:
        return len(self.items)


def most_helpful(thread: Thread, viewer: Any, limit: int = MOST_HELPFUL) -> list[tuple[int, int]]:
    """(post id, helpful marks) of the replies marked helpful most; ties go to the earlier post."""
    marks = func.count(Reaction.id)
    return [(post_id, count) for post_id, count in db.session.execute(
        select(Post.id, marks).join(Reaction, Reaction.post_id == Post.id)
        .where(Post.thread_id == thread.id, Post.number > 1, Reaction.kind == "helpful", visible_posts_clause(viewer))
        .group_by(Post.id, Post.number).order_by(marks.desc(), Post.number).limit(limit)
    ).all()]


def with_context_notes(thread: Thread, viewer: Any) -> list[int]:
    return list(db.session.scalars(select(Post.id).where(
        Post.thread_id == thread.id, Post.context_note.is_not(None), Post.context_note != "",
        visible_posts_clause(viewer))))


def build(thread: Thread, viewer: Any) -> Summary:
    reasons: dict[int, list[str]] = {}
    first = first_post(thread)
    if first is not None and shows_in_thread(first, viewer):
        reasons.setdefault(first.id, []).append("The first post")
    for post_id, count in most_helpful(thread, viewer):
        reasons.setdefault(post_id, []).append(f"Marked helpful by {count} member{'' if count == 1 else 's'}")
    for post_id in with_context_notes(thread, viewer):
        reasons.setdefault(post_id, []).append("Has a moderator's context note")
    posts = list(db.session.scalars(select(Post).options(joinedload(Post.author))
                                    .where(Post.id.in_(list(reasons))).order_by(Post.number))) if reasons else []
    return Summary([SummaryItem(p, reasons[p.id]) for p in posts], count_thread_posts(thread, viewer))
