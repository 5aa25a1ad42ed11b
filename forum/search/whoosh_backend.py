"""Whoosh backend: an embedded index under FORUM_INSTANCE_DIR/search/whoosh/.

Layout: one directory per build (idx-...), and a CURRENT file naming the live one. Each build
directory has a LAYOUT file with INDEX_LAYOUT; the worker's ensure() rebuilds an index with an
older layout (searches meanwhile read it the old way, just slower). A rebuild
writes a new directory and swaps CURRENT atomically when it is complete, so searches go on
answering from the old one meanwhile. Web requests only read; writes (sync, rebuild) happen in
the worker or the CLI. rebuild.lock (flock) keeps syncs out while a rebuild runs: the rebuild
reads each post after clearing its flag, so whatever changes meanwhile is synced after the swap.
"""
from __future__ import annotations

import fcntl
import logging
import os
import shutil
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path

import numpy as np
from flask import current_app
from whoosh import index as whoosh_index
from whoosh.collectors import TimeLimit, TimeLimitCollector
from whoosh import columns
from whoosh.fields import COLUMN, ID, TEXT, Schema
from whoosh.query import And, NullQuery, Or, Phrase, Prefix, Term
from whoosh.scoring import BM25F
from whoosh.writing import LockError

from forum.extensions import db
from forum.search import documents
from forum.search.analysis import STOP_WORDS, SearchAnalyzer, stem, whoosh_analyzer
from forum.search.base import Progress, RawHit, RawPage, RebuildRunning, SearchUnavailable
from forum.search.plan import Alt, Concept, Plan
from forum.search.vocabulary import load_vocabulary
from forum.search.whoosh_vector import Part, VectorSearcher

log = logging.getLogger(__name__)
TITLE_BOOST = 1.6
MAX_DEPTH = 6400          # posts collected at most to fill a page with distinct threads
EPOCH = datetime(1970, 1, 1)
# 2: titles and bodies carry synonym-group tokens (the analyzer in the schema holds the group table).
# 3: thread, category, author and date are columns only, not indexed terms (filters read the columns):
#    a rebuild writes 8 fewer postings a post, about 40% faster.
INDEX_LAYOUT = 3
LAYOUT_FILE = "LAYOUT"


def schema(groups: dict | None = None) -> Schema:
    analyzer = whoosh_analyzer(groups)
    return Schema(
        post_id=ID(stored=True, unique=True),
        thread_id=_number_column(),
        category_id=_number_column(),
        author_id=_number_column(),
        created=_number_column(),
        title=TEXT(analyzer=analyzer, phrase=True),
        body=TEXT(analyzer=analyzer, phrase=True),
    )


def _number_column() -> COLUMN:
    """A per-document number read by filters and grouping, and never searched as a term."""
    return COLUMN(columns.NumericColumn("q"))


def _seconds(value: datetime | None) -> int:
    return int((value - EPOCH).total_seconds()) if value else 0


def _datetime(seconds: int | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, timezone.utc).replace(tzinfo=None) if seconds is not None else None


def _fields(doc: documents.Document) -> dict:
    return {"post_id": str(doc.post_id), "thread_id": doc.thread_id, "category_id": doc.category_id,
            "author_id": doc.author_id, "created": _seconds(doc.created), "title": doc.title, "body": doc.text}


# ---------------------------------------------------------------- query building

def _alt_query(alt: Alt, fields: list[tuple[str, float]], quoted: bool):
    """One wording in the title or the body. Only quoted phrases check word positions: a phrase
    matcher cannot skip ahead (Whoosh's block-max pruning), and on 200,000 posts that is the
    difference between milliseconds and a second; unquoted multi-word terms need all their words."""
    parts = []
    content = [stem(w) for w in alt.words if w not in STOP_WORDS]
    for field, field_boost in fields:
        boost = alt.boost * field_boost
        if alt.prefix:
            parts.append(Prefix(field, alt.words[0], boost=boost))
        elif len(content) == 1:
            parts.append(Term(field, content[0], boost=boost))
        elif content and quoted:
            parts.append(Phrase(field, content, boost=boost))
        elif content:
            parts.append(And([Term(field, c, boost=boost / len(content)) for c in content]))
    return parts


def _search_fields(plan: Plan) -> list[tuple[str, float]]:
    return [("title", TITLE_BOOST)] if plan.in_title else [("title", TITLE_BOOST), ("body", 1.0)]


def _wordings(concept: Concept, group_tokens: frozenset[str]) -> tuple[list[Alt], tuple[str, ...]]:
    """The alternatives to look up, and the group tokens standing for the synonyms the index has as one term."""
    if concept.groups and group_tokens.issuperset(concept.groups):
        return [a for a in concept.alts if not a.synonym], concept.groups
    return concept.alts, ()


def build_query(plan: Plan, group_tokens: frozenset[str] = frozenset()):
    """The plan as a Whoosh query; a synonym group the index holds as a token is one term per field."""
    fields = _search_fields(plan)
    concepts = []
    for concept in plan.concepts:
        alts, groups = _wordings(concept, group_tokens)
        parts = [q for alt in alts for q in _alt_query(alt, fields, concept.quoted)]
        parts += [Term(field, token, boost=concept.group_boost * field_boost)
                  for token in groups for field, field_boost in fields]
        if parts:
            concepts.append(Or(parts))
    if not concepts:
        return NullQuery
    return And(concepts) if plan.match_all else Or(concepts)


def can_vectorize(plan: Plan) -> bool:
    """Words and phrases: no prefix (a term expansion Whoosh's Prefix query does)."""
    return not any(alt.prefix for concept in plan.concepts for alt in concept.alts)


def vector_parts(plan: Plan, group_tokens: frozenset[str]) -> list[list[Part]]:
    """build_query() for VectorSearcher: per concept, each wording in each field with its boost."""
    fields = _search_fields(plan)
    concepts = []
    for concept in plan.concepts:
        alts, groups = _wordings(concept, group_tokens)
        parts = []
        for alt in alts:
            content = tuple(stem(w) for w in alt.words if w not in STOP_WORDS)
            if content:
                parts += [Part(field, content, alt.boost * field_boost, phrase=concept.quoted)
                          for field, field_boost in fields]
        parts += [Part(field, (token,), concept.group_boost * field_boost)
                  for token in groups for field, field_boost in fields]
        if parts:
            concepts.append(parts)
    return concepts


def vector_filter(plan: Plan, vs: VectorSearcher):
    """The plan's filters as a mask over the index's documents (None: no filter)."""
    mask = None

    def narrow(more):
        return more if mask is None else mask & more
    if plan.category_ids is not None:
        mask = narrow(vs.docs_with("category_id", plan.category_ids))
    if plan.author_ids is not None:
        mask = narrow(vs.docs_with("author_id", plan.author_ids))
    if plan.after or plan.before:
        created = vs.column("created")
        inside = np.ones(vs.size, dtype=bool)
        if plan.after:
            inside &= created >= _seconds(plan.after)
        if plan.before:
            inside &= created < _seconds(plan.before)
        mask = narrow(inside)
    return mask


def _collect(searcher, query, depth: int, budget: float, kwargs: dict):
    """Run the query, keeping what was found if it takes longer than `budget` seconds."""
    # use_alarm=False: SIGALRM only works in the main thread, and web servers search from others.
    collector = TimeLimitCollector(searcher.collector(limit=depth, **kwargs), timelimit=budget, use_alarm=False)
    try:
        searcher.search_with_collector(query, collector)
    except TimeLimit:
        log.info("search for %s stopped after %.2f s with the matches found so far", query, budget)
    return collector.results()


def _group(results, limit: int | None, columns) -> list[RawHit]:
    """The best post of each thread, in result order, with how many more matched in the thread."""
    thread_col, created_col = columns
    by_thread: dict[int, RawHit] = {}
    hits: list[RawHit] = []
    for hit in results:
        thread_id = thread_col[hit.docnum]
        if thread_id in by_thread:
            by_thread[thread_id].more_in_thread += 1
            continue
        raw = RawHit(0, thread_id, hit.score, _datetime(created_col[hit.docnum]))
        raw.docnum = hit.docnum
        by_thread[thread_id] = raw
        hits.append(raw)
    return hits if limit is None else hits[:limit]


def _group_tokens(searcher) -> frozenset[str]:
    analyzer = searcher.schema["body"].analyzer
    return analyzer.group_tokens if isinstance(analyzer, SearchAnalyzer) else frozenset()


# ---------------------------------------------------------------- storage

class _Readers(threading.local):
    def __init__(self):
        self.by_root: dict[str, tuple[str, object]] = {}


_readers = _Readers()


class WhooshBackend:
    name = "whoosh"

    def __init__(self, root: Path | None = None):
        self.root = Path(root or Path(current_app.config["FORUM_INSTANCE_DIR"]) / "search" / "whoosh")

    # -- layout
    @property
    def pointer(self) -> Path:
        return self.root / "CURRENT"

    def current_dir(self) -> Path | None:
        try:
            name = self.pointer.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return self.root / name if name else None

    def _open(self, path: Path):
        ix = whoosh_index.open_dir(str(path))
        return ix

    # -- reading
    def _searcher(self):
        path = self.current_dir()
        if path is None or not path.is_dir():
            raise SearchUnavailable("the search index has not been built yet")
        key = str(self.root)
        cached = _readers.by_root.get(key)
        if cached and cached[0] == path.name:
            # Not Searcher.refresh(): it reuses segment readers and so misses new deletions.
            try:
                if cached[1].up_to_date():
                    return cached[1]
            except Exception:  # the files changed under us: open afresh below
                log.warning("whoosh searcher check failed; reopening", exc_info=True)
        try:
            searcher = self._open(path).searcher(weighting=BM25F())
        except Exception as exc:
            raise SearchUnavailable(f"the search index cannot be opened ({exc.__class__.__name__})") from exc
        if cached:
            try:
                cached[1].close()
            except Exception:
                pass
        _readers.by_root[key] = (path.name, searcher)
        return searcher

    def _forget_searcher(self) -> None:
        cached = _readers.by_root.pop(str(self.root), None)
        if cached:
            try:
                cached[1].close()
            except Exception:
                pass

    def search(self, plan: Plan, limit: int) -> RawPage:
        try:
            searcher = self._searcher()
            tokens = _group_tokens(searcher)
            if can_vectorize(plan):
                return self._run_vector(searcher, plan, tokens, limit)
            query = build_query(plan, tokens)
            if query is NullQuery:
                return RawPage()
            return self._run(searcher, plan, query, limit)
        except SearchUnavailable:
            raise
        except Exception as exc:
            log.exception("whoosh search failed")
            self._forget_searcher()
            raise SearchUnavailable(f"the search index could not be read ({exc.__class__.__name__})") from exc

    def _run_vector(self, searcher, plan: Plan, tokens: frozenset[str], limit: int) -> RawPage:
        """Plans of words: every matching post scored with arrays (whoosh_vector), exact thread count."""
        concepts = vector_parts(plan, tokens)
        if not concepts:
            return RawPage()
        vs = VectorSearcher(searcher)
        ranked = vs.rank(concepts, plan.match_all, limit, vector_filter(plan, vs), plan.order == "latest")
        threads, created = vs.column("thread_id"), vs.column("created")
        hits = [RawHit(int(searcher.stored_fields(int(d))["post_id"]), int(threads[d]), float(score),
                       _datetime(int(created[d])), int(more))
                for d, score, more in zip(ranked.docnums, ranked.scores, ranked.more)]
        return RawPage(hits, ranked.threads)

    def _run(self, searcher, plan: Plan, query, limit: int) -> RawPage:
        """Top posts (Whoosh skips blocks that cannot make the top), grouped into threads here.

        Whoosh's own collapse= would score every matching post, which is slow for common words
        in a big forum; instead collect a few posts per wanted thread, more if threads repeat.
        """
        allowed = vector_filter(plan, VectorSearcher(searcher))
        kwargs = {"filter": None if allowed is None else set(np.flatnonzero(allowed).tolist())}
        if plan.order == "latest":
            kwargs.update(sortedby="created", reverse=True)
        reader = searcher.reader()
        columns = (reader.column_reader("thread_id"), reader.column_reader("created"))
        depth = max(100, limit * 4)
        while True:
            results = _collect(searcher, query, depth, plan.budget, kwargs)
            seen = results.scored_length()
            every = _group(results, None, columns)
            if len(every) >= limit or seen < depth or depth >= MAX_DEPTH:
                break
            depth *= 4
        hits = every[:limit]
        for raw in hits:
            raw.post_id = int(searcher.stored_fields(raw.docnum)["post_id"])
        threads = len(every)
        estimated = seen >= depth
        if estimated:     # not every match was seen: scale the estimated posts by threads per post
            threads = max(threads, int(results.estimated_length() * threads / max(seen, 1)))
        return RawPage(hits, max(threads, len(hits)), estimated)

    def doc_frequency(self, word: str) -> int:
        try:
            searcher = self._searcher()
        except SearchUnavailable:
            return 0
        term = stem(word)
        return searcher.doc_frequency("body", term) + searcher.doc_frequency("title", term)

    # -- writing
    @contextmanager
    def _rebuild_lock(self, exclusive: bool, wait: bool = False):
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "rebuild.lock", "a+") as handle:
            mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if wait else fcntl.LOCK_NB)
            try:
                fcntl.flock(handle, mode)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _writer(self):
        path = self.current_dir()
        if path is None:
            raise SearchUnavailable("no index to write to")
        return self._open(path).writer(timeout=2.0)

    def sync_dirty(self, batch_size: int) -> int:
        with self._rebuild_lock(exclusive=False) as free:
            if not free:
                return 0           # a rebuild is running; it will leave anything new flagged
            dirty = documents.take_dirty(batch_size)
            if not dirty:
                return 0
            try:
                self._apply(documents.affected_post_ids(dirty))
            except (LockError, SearchUnavailable) as exc:
                log.info("search index busy or missing, will retry: %s", exc)
                db.session.rollback()
                return 0
            documents.clear_dirty(dirty)
            db.session.commit()
            return len(dirty)

    def index_ids(self, post_ids: list[int]) -> None:
        with self._rebuild_lock(exclusive=False, wait=True):
            self._apply(post_ids)

    def remove_ids(self, post_ids: list[int]) -> None:
        with self._rebuild_lock(exclusive=False, wait=True):
            writer = self._writer()
            for post_id in post_ids:
                writer.delete_by_term("post_id", str(post_id))
            writer.commit()

    def _apply(self, post_ids: list[int]) -> None:
        docs = documents.load_documents(post_ids)
        public = {d.post_id for d in docs}
        writer = self._writer()
        try:
            for doc in docs:
                writer.update_document(**_fields(doc))
            for post_id in set(post_ids) - public:
                writer.delete_by_term("post_id", str(post_id))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    # -- health and rebuild
    def healthy(self) -> bool:
        path = self.current_dir()
        if path is None or not path.is_dir():
            return False
        if _layout(path) < INDEX_LAYOUT:
            log.warning("search index at %s has layout %s, not %s: rebuilding", path, _layout(path), INDEX_LAYOUT)
            return False
        try:
            ix = self._open(path)
            with ix.reader() as reader:
                reader.doc_count()
                list(islice(reader.all_terms(), 1))
                if reader.doc_count():
                    next(iter(reader.iter_docs()), None)
            return True
        except Exception:
            log.warning("search index at %s cannot be read", path, exc_info=True)
            return False

    def ensure(self) -> bool:
        if self.healthy():
            return False
        try:
            self.rebuild()
        except RebuildRunning:
            return False
        return True

    def rebuild(self, progress: Progress | None = None) -> int:
        with self._rebuild_lock(exclusive=True, wait=False) as acquired:
            if not acquired:
                raise RebuildRunning("another process is rebuilding the search index")
            return self._rebuild(progress)

    def _rebuild(self, progress: Progress | None) -> int:
        name = f"idx-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}-{os.getpid()}"
        path = self.root / name
        path.mkdir(parents=True)
        total, done, first_id = documents.count_posts(), 0, None
        ix = whoosh_index.create_in(str(path), schema(load_vocabulary().index_table()))
        procs = int(current_app.config.get("SEARCH_REINDEX_PROCESSES") or min(4, os.cpu_count() or 1))
        # Several processes analyse and write a segment each (Whoosh's MpWriter); no final merge.
        writer = ix.writer(limitmb=128, procs=procs, multisegment=True) if procs > 1 else ix.writer(limitmb=256)
        try:
            for ids in documents.id_batches(1000):
                first_id = first_id or ids[0]
                documents.clear_dirty_ids(ids)
                db.session.commit()
                for doc in documents.load_documents(ids):
                    writer.add_document(**_fields(doc))
                done += len(ids)
                if progress:
                    progress(done, total)
            writer.commit()
            (path / LAYOUT_FILE).write_text(str(INDEX_LAYOUT), encoding="utf-8")
        except BaseException:
            writer.cancel()
            db.session.rollback()
            if first_id is not None:
                documents.mark_dirty_from(first_id)
                db.session.commit()
            shutil.rmtree(path, ignore_errors=True)
            raise
        self._swap(name)
        return done

    def _swap(self, name: str) -> None:
        previous = self.current_dir()
        tmp = self.root / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(name, encoding="utf-8")
        os.replace(tmp, self.pointer)
        keep = {name, previous.name if previous else ""}
        for old in self.root.glob("idx-*"):
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)


def _layout(path: Path) -> int:
    try:
        return int((path / LAYOUT_FILE).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return 1
