"""From classifier scores to moderation state: flags, holds and notices.

The database is the queue: a post whose moderation_state is 'pending' is a job. A batch is
claimed (FOR UPDATE SKIP LOCKED on PostgreSQL, so several workers share the work), scored,
and written back in one transaction; a post edited while it was being scored stays pending.
"""
from __future__ import annotations

from typing import Any, Protocol, Sequence

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from forum.extensions import db
from forum.markup import plain_text
from forum.models import Post, utcnow
from forum.notifications import announce_post
from moderation.actions import notice_held
from moderation.models import LABELS, ModerationFlag, ModerationScore


class ScoreLike(Protocol):
    scores: dict[str, float]
    flagged: list[str]
    hold: bool
    reasons: list[str]
    sentences: list[dict]


class ClassifierLike(Protocol):
    version: str

    def score(self, texts: list[str]) -> Sequence[ScoreLike]: ...


def claim_pending(batch_size: int) -> list[Post]:
    query = (select(Post).where(Post.moderation_state == "pending").order_by(Post.id).limit(batch_size)
             .options(selectinload(Post.thread), selectinload(Post.author)))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Post)
    return list(db.session.scalars(query))


def post_text(post: Post) -> str:
    """What the classifier reads: the thread title for a first post, then the visible text."""
    body = plain_text(post.body_html)
    return f"{post.thread.title}\n\n{body}" if post.number == 1 else body


def process_batch(classifier: ClassifierLike, batch_size: int | None = None, known_lists: Any = None) -> int:
    """Score one batch of pending posts; returns how many were scored.

    known_lists (moderation.classifier.claims.KnownLists, built by the worker) adds the moderators' known
    claims and providers to the classifier's verdicts; None scores with the model alone.
    """
    posts = claim_pending(batch_size or current_app.config["WORKER_BATCH_SIZE"])
    if not posts:
        db.session.rollback()
        return 0
    seen = {p.id: p.revision_count for p in posts}
    texts = [post_text(p) for p in posts]
    results = add_known_signals(classifier.score(texts), texts, known_lists, getattr(classifier, "thresholds", None))
    thresholds = getattr(classifier, "thresholds", None)
    for post, result in zip(posts, results):
        apply_score(post, result, classifier.version, seen[post.id], thresholds)
    db.session.commit()
    return len(posts)


CLAIM_SUPPORT = 0.5  # a claim match flags when the model's misinformation score is at least this share of its cut


def add_known_signals(results: Sequence[ScoreLike], texts: list[str], known_lists: Any,
                      thresholds: dict[str, float] | None = None) -> Sequence[ScoreLike]:
    """Add the known-claim and known-provider reasons to each post's score, after the classifier.

    Why after the model and not inside it: moderators edit these lists whenever a claim or a clinic shows up,
    and the model changes only when it is retrained. An entry is a judgement moderators have already made,
    so a sentence that asserts a listed false claim flags `misinformation`, and a listed provider's domain or
    phone number flags `clinic_promotion`, even when the model's score is under its threshold. The score
    itself stays the model's, so moderators still see what the model thought. A post that only asks about a
    claim or argues against it gets a note (shown if something else flags it), never a flag.

    With thresholds (the classifier's), a claim match flags only when the model's misinformation score
    reaches CLAIM_SUPPORT of its threshold, and only those posts are matched at all: embedding similarity
    knows the topic better than the assertion, so a sentence near a claim's topic ("Lyme can mimic MS")
    would otherwise be flagged; posts below that are not matched. Listed domains and phone numbers are exact.
    """
    if known_lists is None or not results:
        return results
    from moderation.classifier.claims import split_sentences

    bank, providers = known_lists.claims, known_lists.providers
    floor = CLAIM_SUPPORT * thresholds["misinformation"] if thresholds else 0.0
    per_post = [split_sentences(t) if bank is not None and len(bank) and r.scores.get("misinformation", 1.0) >= floor
                else [] for r, t in zip(results, texts)]
    unique = list(dict.fromkeys(s for sentences in per_post for s in sentences))
    by_sentence = {m.sentence: m for m in bank.match(unique)} if unique else {}
    for result, text, sentences in zip(results, texts, per_post):
        best: dict[int, Any] = {}
        for sentence in sentences:
            m = by_sentence.get(sentence)
            if m is not None and (m.claim_id not in best or (m.is_signal, m.similarity)
                                  > (best[m.claim_id].is_signal, best[m.claim_id].similarity)):
                best[m.claim_id] = m
        asserted = [m for m in best.values() if m.is_signal]
        noted = [m for m in best.values() if not m.is_signal]
        named = providers.match(text) if providers is not None and len(providers) else []
        if not (asserted or noted or named):
            continue
        flagged = set(result.flagged)
        if asserted:
            flagged.add("misinformation")
        if named:
            flagged.add("clinic_promotion")
        result.flagged = [label for label in LABELS if label in flagged]
        result.reasons = ([m.reason for m in asserted] + [p.reason for p in named] + list(result.reasons)
                          + [m.reason for m in noted])
    return results


def apply_score(post: Post, result: ScoreLike, model_version: str, revision_seen: int,
                thresholds: dict[str, float] | None = None) -> str | None:
    """Write flags, scores and the new state unless the post changed since it was read."""
    state = decide_state(post, result)
    first_time = post.moderated_at is None
    changed = db.session.execute(
        update(Post).where(Post.id == post.id, Post.revision_count == revision_seen, Post.moderation_state == "pending")
        .values(moderation_state=state, moderated_at=utcnow(), search_dirty=Post.search_dirty | (state == "held"))
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        return None
    _write_flags(post, result, model_version)
    _write_scores(post, result, model_version, thresholds)
    if state == "held":
        notice_held(post)
    db.session.expire(post, ["moderation_state", "moderated_at", "search_dirty"])
    announce_post(post, first_time)  # only a post others may now see (forum.visibility.can_announce_post)
    return state


def decide_state(post: Post, result: ScoreLike) -> str:
    """Moderators' and admins' posts are flagged at most, never held: staff are not pre-screened."""
    may_hold = not post.author.is_moderator
    if may_hold and (result.hold or (result.flagged and _is_new_members_first_link_post(post))):
        return "held"
    return "flagged" if result.flagged else "clean"


def _is_new_members_first_link_post(post: Post) -> bool:
    has_link = 'href="http' in post.body_html
    if not has_link:
        return False
    earlier = db.session.scalar(
        select(func.count(Post.id)).where(Post.author_id == post.author_id, Post.id < post.id)
    ) or 0
    return earlier == 0


def _write_flags(post: Post, result: ScoreLike, model_version: str) -> None:
    if not result.flagged:
        return
    existing = {f.label: f for f in db.session.scalars(select(ModerationFlag).where(ModerationFlag.post_id == post.id))}
    now = utcnow()
    for label in result.flagged:
        flag = existing.get(label)
        if flag is None:
            flag = ModerationFlag(post_id=post.id, label=label, created_at=now)
            db.session.add(flag)
        elif flag.resolved_at is not None and post.edited_at and post.edited_at > flag.resolved_at:
            flag.resolved_at, flag.outcome = None, None
        flag.score = float(result.scores.get(label, 0.0))
        flag.reasons = list(result.reasons)
        flag.sentences = [s for s in result.sentences if s.get("scores", {}).get(label, 0) > 0]
        flag.model_version, flag.updated_at = model_version, now


def certainty_margin(scores: dict[str, float], thresholds: dict[str, float] | None) -> float:
    """How far the nearest label's score is from its threshold (0.5 where none is known): small is unsure."""
    cuts = thresholds or {}
    return min((abs(float(scores.get(label, 0.0)) - float(cuts.get(label, 0.5))) for label in LABELS), default=1.0)


def _write_scores(post: Post, result: ScoreLike, model_version: str, thresholds: dict[str, float] | None) -> None:
    scores = {label: round(float(result.scores.get(label, 0.0)), 4) for label in LABELS}
    row = db.session.get(ModerationScore, post.id) or ModerationScore(post_id=post.id)
    row.scores, row.model_version, row.scored_at = scores, model_version, utcnow()
    row.margin = certainty_margin(scores, thresholds)
    db.session.add(row)


def pending_count() -> int:
    return db.session.scalar(select(func.count(Post.id)).where(Post.moderation_state == "pending")) or 0


def queue_all_posts(batch: int = 1000, progress: Any = None) -> int:
    """Mark every live post pending so the worker scores it again (backfill).

    Held posts stay held: only a moderator releases them.
    """
    ids = list(db.session.scalars(
        select(Post.id).where(Post.deleted_at.is_(None), Post.moderation_state != "held").order_by(Post.id)))
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        db.session.execute(update(Post).where(Post.id.in_(chunk)).values(moderation_state="pending")
                           .execution_options(synchronize_session=False))
        db.session.commit()
        if progress is not None:
            progress.update(len(chunk))
    return len(ids)
