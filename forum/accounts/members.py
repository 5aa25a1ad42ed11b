"""The members directory: who is here, as any member may see them on a profile (name, joined, posts)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from forum.boards.queries import post_counts_by_author
from forum.extensions import db
from forum.models import User
from forum.visibility import listed_members_clause


@dataclass(frozen=True)
class MemberRow:
    username: str
    joined: datetime
    posts: int


def count_listed() -> int:
    return db.session.scalar(select(func.count(User.id)).where(listed_members_clause())) or 0


def listed(offset: int, limit: int) -> list[MemberRow]:
    """One page of the directory, by name; the post count is the profile's (posts not deleted or hidden)."""
    users = list(db.session.scalars(select(User).where(listed_members_clause())
                                    .order_by(User.username_key).offset(offset).limit(limit)))
    counts = post_counts_by_author([u.id for u in users])
    return [MemberRow(u.username, u.created_at, counts.get(u.id, 0)) for u in users]
