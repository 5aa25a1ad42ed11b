"""Search as the pages and the API use it: parse, plan, ask the backend, re-check, decorate.

The index only narrows and ranks. Every hit is checked again against the database with the
visibility rules of forum.visibility before it is shown, and its snippet is cut from the post
as it is now, so a post hidden a second ago is already gone from results and snippets.
"""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Category, Post, Thread, User
from forum.search import speller
from forum.search.analysis import post_text
from forum.search.base import Backend, RawHit, RawPage, SearchUnavailable
from forum.search.plan import Plan, build_plan
from forum.search.postgres_backend import PostgresBackend
from forum.search.query import ParsedQuery, parse
from forum.search.results import Hit, Results
from forum.search.snippets import mark_all, snippet
from forum.search.vocabulary import load_vocabulary
from forum.search.whoosh_backend import WhooshBackend
from forum.text import name_key
from forum.visibility import can_search_by_author, is_former_member, visible_posts_clause, visible_threads_clause

log = logging.getLogger(__name__)
MAX_PER_PAGE = 50
MAX_RESULTS = 1000       # deepest result a search pages to
SLACK = 10               # extra candidates, in case the database turns some down
FEW = 3                  # fewer results than this: offer "Did you mean"
UNAVAILABLE = "Search is temporarily unavailable while its index is repaired. Please try again in a few minutes."


def backend_name() -> str:
    configured = (current_app.config.get("SEARCH_BACKEND") or "").strip().lower()
    dialect = db.engine.dialect.name
    if configured in ("postgres", "postgresql", "pg"):
        if dialect == "postgresql":
            return "postgres"
        log.warning("SEARCH_BACKEND=postgres needs a PostgreSQL database; using Whoosh")
        return "whoosh"
    if configured == "whoosh":
        return "whoosh"
    return "postgres" if dialect == "postgresql" else "whoosh"


def get_backend() -> Backend:
    return PostgresBackend() if backend_name() == "postgres" else WhooshBackend()


def search(query: str, viewer, page: int = 1, per_page: int = 20, order: str | None = None,
           as_typed: bool = False) -> Results:
    """One page of results for `query` as `viewer` may see them; never raises for bad input.

    Misspelt words are searched as corrected (``results.corrected_to`` says so) unless ``as_typed``."""
    page, per_page = max(1, int(page)), min(max(1, int(per_page)), MAX_PER_PAGE)
    parsed = parse(query or "")
    if order in ("latest", "relevance"):
        parsed.order = order
    results = Results(query=parsed.raw, page=page, per_page=per_page, order=parsed.order or "relevance",
                      messages=list(parsed.messages), as_typed=as_typed)
    if parsed.is_empty:
        if (query or "").strip():
            results.messages.append("Type one or more words to search for.")
        return results
    if page * per_page > MAX_RESULTS + per_page:
        results.messages.append(f"Search shows the first {MAX_RESULTS:,} results; add words to narrow it down.")
        return results
    backend = get_backend()
    results.backend = backend.name
    try:
        _execute(parsed, viewer, results, backend, allow_retry=not as_typed)
    except SearchUnavailable as exc:
        log.warning("search unavailable: %s", exc)
        results.hits, results.total, results.unavailable = [], 0, True
        results.messages.append(UNAVAILABLE)
    return results


def _execute(parsed: ParsedQuery, viewer, results: Results, backend: Backend, allow_retry: bool) -> None:
    plan = _plan(parsed, results, backend, viewer)
    if plan is None:
        return
    need = results.page * results.per_page
    if not plan.concepts:
        raw = _listing(plan, viewer, need + SLACK)
    else:
        raw = backend.search(plan, need + SLACK)
        if raw.total < FEW:
            fixes = dict(plan.corrections)
            fixes.update(speller.corrections(_typed_words(parsed), load_vocabulary(), _df(backend), _cache_key()))
            if fixes:
                suggestion = speller.rewrite(parsed.raw, fixes)
                if suggestion.lower() != parsed.raw.lower():
                    results.suggestion = suggestion
            if raw.total == 0 and results.suggestion and allow_retry:
                retry = Results(query=results.suggestion, page=results.page, per_page=results.per_page,
                                order=results.order)
                _execute(parse(results.suggestion), viewer, retry, backend, allow_retry=False)
                if retry.total:
                    results.hits, results.total, results.corrected_from = retry.hits, retry.total, parsed.raw
                    results.total_estimated = retry.total_estimated
                    results.messages.extend(retry.messages)
                    return
        if raw.total < need and plan.can_loosen:
            raw = _add_partial_matches(raw, plan, backend, need, results)
    hits = _recheck(raw.hits, viewer, plan)
    dropped = len(raw.hits) - len(hits)
    results.total = max(0, raw.total - dropped)
    results.total_estimated = raw.estimated
    offset = (results.page - 1) * results.per_page
    if results.partial_from is not None:
        results.partial_from = sum(1 for h, _ in hits if h.partial is False) if hits else 0
    strict, loose = plan.highlight(), plan.loosened().highlight()
    results.hits = [_decorate(pair, loose if pair[0].partial else strict)
                    for pair in hits[offset:offset + results.per_page]]
    results.corrected_to = _searched_as(parsed, plan) if results.total else None


def _searched_as(parsed: ParsedQuery, plan: Plan) -> str | None:
    """The query with the spelling corrections the search used, when it used any."""
    if not plan.corrections:
        return None
    searched = speller.rewrite(parsed.raw, plan.corrections)
    return searched if searched.lower() != parsed.raw.lower() else None


def _add_partial_matches(raw: RawPage, plan: Plan, backend: Backend, need: int, results: Results) -> RawPage:
    """Threads with all the words first, then threads with some of them (more of them first)."""
    more = backend.search(plan.loosened(), need + SLACK)
    seen = {h.thread_id for h in raw.hits}
    for hit in raw.hits:
        hit.partial = False
    extra = [h for h in more.hits if h.thread_id not in seen]
    for hit in extra:
        hit.partial = True
    if not extra:
        return raw
    if raw.total == 0:
        results.messages.append("No post has all of your words, so posts with some of them are shown.")
    results.partial_from = len(raw.hits)
    return RawPage(raw.hits + extra, raw.total + max(0, more.total - raw.total), raw.estimated or more.estimated)


def _plan(parsed: ParsedQuery, results: Results, backend: Backend, viewer=None) -> Plan | None:
    category_ids = author_ids = None
    if parsed.categories:
        found = dict(db.session.execute(select(Category.slug, Category.id)
                                        .where(Category.slug.in_(parsed.categories))).all())
        missing = [s for s in parsed.categories if s not in found]
        if missing:
            results.messages.append(f"There is no category called “{missing[0]}”.")
            return None
        category_ids = list(found.values())
    if parsed.authors:
        author_ids = _listable_authors(parsed.authors, viewer, results)
        if author_ids is None:
            return None
    plan = build_plan(parsed, load_vocabulary(), _df(backend), correct=not results.as_typed)
    plan.category_ids, plan.author_ids = category_ids, author_ids
    return plan


def _listable_authors(names: list[str], viewer, results: Results) -> list[int] | None:
    """Ids for author: filters, or None with a message when one cannot be searched by this viewer.

    The profile's rule (forum.visibility.can_search_by_author): a member who hides their post list
    from visitors is not gathered for visitors, and a former member's placeholder name finds nothing.
    """
    keys = {name_key(a): a for a in names}
    found = {u.username_key: u for u in db.session.scalars(select(User).where(User.username_key.in_(keys)))}
    for key, name in keys.items():
        user = found.get(key)
        refused = user is not None and not can_search_by_author(user, viewer)
        if user is None or (refused and is_former_member(user)):
            results.messages.append(f"There is no member called “{name}”.")
            return None
        if refused:
            results.messages.append(f"{user.username} shows their posts to logged-in members only; "
                                    "log in to search them.")
            return None
    return [u.id for u in found.values()]


def _df(backend: Backend):
    memo: dict[str, int] = {}

    def doc_frequency(word: str) -> int:
        if word not in memo:
            memo[word] = backend.doc_frequency(word)
        return memo[word]
    return doc_frequency


def _cache_key() -> str:
    return f"{current_app.config['FORUM_INSTANCE_DIR']}|{db.engine.url}"


def _typed_words(parsed: ParsedQuery) -> list[str]:
    return [w for s in parsed.segments if not s.quoted and not s.prefix for w in s.words]


def _filters(plan: Plan) -> list:
    conditions = []
    if plan.category_ids is not None:
        conditions.append(Thread.category_id.in_(plan.category_ids))
    if plan.author_ids is not None:
        conditions.append(Post.author_id.in_(plan.author_ids))
    if plan.after:
        conditions.append(Post.created_at >= plan.after)
    if plan.before:
        conditions.append(Post.created_at < plan.before)
    return conditions


def _listing(plan: Plan, viewer, limit: int) -> RawPage:
    """Filters without words (author:tess, #category): the newest matching posts, straight from the database."""
    where = [visible_posts_clause(viewer), visible_threads_clause(viewer), *_filters(plan)]
    base = select(Post.id, Post.thread_id, Post.created_at).join(Thread, Thread.id == Post.thread_id).where(*where)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = db.session.execute(base.order_by(Post.created_at.desc(), Post.id.desc()).limit(limit)).all()
    return RawPage([RawHit(r.id, r.thread_id, None, r.created_at) for r in rows], total)


_DETAIL_COLUMNS = (Post.id, Post.external_id, Post.thread_id, Post.number, Post.body_html, Post.created_at,
                   Thread.title, Thread.slug, Category.name.label("category_name"),
                   Category.slug.label("category_slug"), User.username)


def _recheck(hits: list[RawHit], viewer, plan: Plan) -> list[tuple[RawHit, object]]:
    """Keep the hits the viewer may see now, in the backend's order, with their current rows."""
    if not hits:
        return []
    ids = [h.post_id for h in hits]
    stmt = (select(*_DETAIL_COLUMNS)
            .join(Thread, Thread.id == Post.thread_id)
            .join(Category, Category.id == Thread.category_id)
            .join(User, User.id == Post.author_id)
            .where(Post.id.in_(ids), visible_posts_clause(viewer), visible_threads_clause(viewer), *_filters(plan)))
    rows = {r.id: r for r in db.session.execute(stmt)}
    return [(h, rows[h.post_id]) for h in hits if h.post_id in rows]


def _decorate(pair: tuple[RawHit, object], highlight) -> Hit:
    raw, row = pair
    return Hit(post_id=row.id, external_id=row.external_id, thread_id=row.thread_id, thread_title=row.title,
               thread_slug=row.slug, title_html=mark_all(row.title, highlight),
               snippet=snippet(post_text(row.body_html), highlight), score=raw.score, created=row.created_at,
               author=row.username, category_name=row.category_name, category_slug=row.category_slug,
               post_number=row.number, more_in_thread=raw.more_in_thread)


# ---------------------------------------------------------------- index upkeep (worker, CLI, tests)

def sync_dirty_posts(batch_size: int = 500) -> int:
    return get_backend().sync_dirty(batch_size)


def ensure_index() -> bool:
    rebuilt = get_backend().ensure()
    if rebuilt:
        speller.forget_title_words()
    return rebuilt


def rebuild_index(progress=None) -> int:
    done = get_backend().rebuild(progress)
    speller.forget_title_words()
    return done


def index_post(post: Post) -> None:
    get_backend().index_ids([post.id])


def remove_post(post_id: int) -> None:
    get_backend().remove_ids([post_id])


