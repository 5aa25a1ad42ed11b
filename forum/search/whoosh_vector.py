"""BM25F for the Whoosh index, scored a posting block at a time with numpy.

Whoosh's own matchers score one document at a time in Python, about 15 µs each; a two-word query
whose synonym groups match 5,000-40,000 of 200,000 posts took 100-400 ms, and block-max pruning
hardly helps when titles (on every post of a thread) make many posts score alike. Here each
term's postings are read block by block from the same index files into arrays, scored with the
same formula and statistics as whoosh.scoring.BM25F (idf, average field length, B, K1, query
boosts, sums over matching parts), and grouped into threads with array operations: a few
milliseconds for the same queries, with exact thread counts.

Plans of words (typed, synonyms, group tokens, multi-word terms that need all their words in
one field) and quoted phrases (word positions checked only for the posts holding every word),
with any filters and either order, go through here. Prefixes (term expansion) go through
Whoosh's matchers: see whoosh_backend.can_vectorize().
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


@dataclass(frozen=True)
class Part:
    """One wording in one field: its stems (all needed) and its query boost."""

    field: str
    stems: tuple[str, ...]
    boost: float
    phrase: bool = False      # the stems next to each other, in this order (a quoted phrase)


@dataclass
class Ranked:
    docnums: np.ndarray        # the best post of each thread, best thread first (at most `limit`)
    scores: np.ndarray
    more: np.ndarray           # how many more posts of the same thread matched
    threads: int               # threads matched in all


class _SegmentCache:
    """Arrays read from a segment, kept while they fit in `max_bytes` (least recently used go first).
    Segments never change once written (only their deletion lists do, and those are read per
    search), so nothing here goes stale: a new segment has a new random name."""

    def __init__(self, max_bytes: int):
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple, tuple[np.ndarray, ...]] = OrderedDict()
        self._bytes = 0
        self.max_bytes = max_bytes

    def get(self, reader, key: tuple, load) -> tuple[np.ndarray, ...]:
        ident = (reader.segment().segment_id(), *key)
        with self._lock:
            found = self._cache.get(ident)
            if found is not None:
                self._cache.move_to_end(ident)
                return found
        arrays = load(reader)
        size = sum(a.nbytes for a in arrays)
        with self._lock:
            if ident not in self._cache and size <= self.max_bytes:
                self._cache[ident] = arrays
                self._bytes += size
                while self._bytes > self.max_bytes:
                    _, dropped = self._cache.popitem(last=False)
                    self._bytes -= sum(a.nbytes for a in dropped)
        return arrays


# Field lengths, thread ids and dates: 8 bytes a document per array (200,000 posts: 6.4 MB).
_columns = _SegmentCache(64 << 20)
# Decoded postings of the terms searched lately (6 bytes a posting; Whoosh decodes a block of 128
# postings in ~60 µs of Python, so a common word's 25,000 postings cost ~12 ms every time otherwise).
_postings_cache = _SegmentCache(48 << 20)


def _lengths(reader, field: str) -> np.ndarray:
    """Each document's length in `field`, as BM25 sees it (Whoosh stores it as one byte)."""
    def load(r):
        count = r.doc_count_all()
        perdoc = getattr(r, "_perdoc", None)
        if perdoc is not None and hasattr(perdoc, "has_column") and perdoc.has_column(_lenfield(field)):
            column = perdoc.column_reader(_lenfield(field), LENGTHS_COLUMN)
            return _LENGTH_OF_BYTE[np.fromiter(iter(column), dtype=np.uint8, count=count)]
        # Another codec: ask document by document (slow, but once per segment).
        return np.array([r.doc_field_length(d, field) or 0 for d in range(count)], dtype=np.float64)
    return _columns.get(reader, ("len", field), lambda r: (load(r),))[0]


def _numbers(reader, field: str) -> np.ndarray:
    def load(r):
        return (np.fromiter(iter(r.column_reader(field)), dtype=np.int64, count=r.doc_count_all()),)
    return _columns.get(reader, ("col", field), load)[0]


def _postings(reader, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(segment docnums, weights) of a term, deleted documents included."""
    return _postings_cache.get(reader, ("post", field, text), lambda r: _read_postings(r, field, text))


def _blocks(reader, field: str, text: str, positions: bool):
    """(docnums, weights or encoded word positions) of a term, a block of postings at a time."""
    try:
        matcher = reader.postings(field, text)
    except TermNotFound:
        return
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    if isinstance(matcher, W3LeafMatcher) and hasattr(matcher, "_read_ids"):
        # 128 postings a block: the ids and weights are already arrays in the file.
        while not matcher._atend:
            matcher._read_ids()
            if positions:
                matcher._read_values()
            else:
                matcher._read_weights()
            yield matcher._ids, (matcher._values if positions else matcher._weights)
            matcher._next_block()
        return
    ids, payload = [], []
    while matcher.is_active():     # another codec, or a term inlined in the term index
        ids.append(matcher.id())
        payload.append(matcher.value() if positions else matcher.weight())
        matcher.next()
    yield ids, payload


def _read_postings(reader, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    ids, weights = [np.empty(0, np.int32)], [np.empty(0, np.float32)]
    for block_ids, block_weights in _blocks(reader, field, text, positions=False):
        ids.append(np.asarray(block_ids, dtype=np.int32))
        weights.append(np.asarray(block_weights, dtype=np.float32))
    return np.concatenate(ids), np.concatenate(weights)


def _read_positions(reader, field: str, text: str) -> tuple[np.ndarray, list]:
    """(segment docnums, encoded word positions of each) of a term: for phrases."""
    ids, values = [np.empty(0, np.int32)], []
    for block_ids, block_values in _blocks(reader, field, text, positions=True):
        ids.append(np.asarray(block_ids, dtype=np.int32))
        values.extend(block_values)
    return np.concatenate(ids), values


def _phrase_docs(reader, field: str, stems: tuple[str, ...], terms: dict) -> np.ndarray:
    """The segment's documents holding `stems` in a row: positions read only for those with every stem."""
    common = None
    for ids, _ in terms.values():
        common = ids if common is None else np.intersect1d(common, ids, assume_unique=True)
    if common is None or not len(common):
        return np.empty(0, np.int32)
    decode = reader.schema[field].format.decode_positions
    positions = {}
    for text in terms:
        ids, values = _read_positions(reader, field, text)
        positions[text] = [values[i] for i in np.searchsorted(ids, common)]
    keep = [j for j in range(len(common))
            if _phrase_at(decode(positions[stems[0]][j]), [set(decode(positions[t][j])) for t in stems[1:]])]
    return common[keep]


def _phrase_at(starts: list[int], following: list[set[int]]) -> bool:
    return any(all(p + k + 1 in later for k, later in enumerate(following)) for p in starts)


class VectorSearcher:
    """Score Parts over every segment of a Whoosh searcher (global document numbers)."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.size = searcher.doc_count_all()
        self.leaves = [(s.reader(), offset) for s, offset in searcher.leaf_searchers()]
        weighting = searcher.weighting
        self.B, self.K1 = getattr(weighting, "B", 0.75), getattr(weighting, "K1", 1.2)
        self._columns: dict[str, np.ndarray] = {}

    def live(self) -> np.ndarray:
        mask = np.ones(self.size, dtype=bool)
        for reader, offset in self.leaves:
            if reader.has_deletions():
                deleted = np.fromiter(reader.deleted_docs_set, dtype=np.int64)
                mask[deleted + offset] = False
        return mask

    def column(self, field: str) -> np.ndarray:
        """A sortable numeric field (thread_id, created) for every document."""
        if field not in self._columns:
            parts = [_numbers(r, field) for r, _ in self.leaves]
            self._columns[field] = np.concatenate(parts) if parts else np.empty(0, np.int64)
        return self._columns[field]

    def docs_with(self, field: str, values: list[int]) -> np.ndarray:
        """Mask of the documents whose `field` (category_id, author_id) is one of `values`."""
        if all(reader.has_column(field) for reader, _ in self.leaves):
            return np.isin(self.column(field), np.asarray(values, dtype=np.int64))
        mask = np.zeros(self.size, dtype=bool)     # an index of layout 1-2: ID terms, not columns
        for value in values:
            for reader, offset in self.leaves:
                ids, _ = _postings(reader, field, str(value))
                mask[ids + offset] = True
        return mask

    def _bm25(self, field: str, text: str, tf: np.ndarray, length: np.ndarray) -> np.ndarray:
        idf = self.searcher.idf(field, text)
        avg = self.searcher.avg_field_length(field) or 1
        tf = tf.astype(np.float64)
        return idf * (tf * (self.K1 + 1)) / (tf + self.K1 * ((1 - self.B) + self.B * length / avg))

    def term_scores(self, field: str, text: str, boost: float) -> tuple[np.ndarray, np.ndarray]:
        """(global docnums, BM25F score * boost) of one term."""
        all_ids, all_scores = [], []
        for reader, offset in self.leaves:
            ids, tf = _postings(reader, field, text)
            if len(ids):
                all_ids.append(ids.astype(np.int64) + offset)
                all_scores.append(self._bm25(field, text, tf, _lengths(reader, field)[ids]) * boost)
        if not all_ids:
            return np.empty(0, np.int64), np.empty(0)
        return np.concatenate(all_ids), np.concatenate(all_scores)

    def phrase_scores(self, field: str, stems: tuple[str, ...], boost: float) -> tuple[np.ndarray, np.ndarray]:
        """(global docnums, score * boost) of the documents with `stems` in a row; scored as Whoosh's
        Phrase query is, by the sum of its words' scores."""
        all_ids, all_scores = [], []
        for reader, offset in self.leaves:
            terms = {text: _postings(reader, field, text) for text in dict.fromkeys(stems)}
            found = _postings_cache.get(reader, ("phrase", field, stems),
                                        lambda r: (_phrase_docs(r, field, stems, terms),))
            docs = found[0]
            if not len(docs):
                continue
            score = np.zeros(len(docs))
            for text, (ids, tf) in terms.items():
                at = np.searchsorted(ids, docs)
                score += self._bm25(field, text, tf[at], _lengths(reader, field)[docs]) * stems.count(text)
            all_ids.append(docs.astype(np.int64) + offset)
            all_scores.append(score * boost)
        if not all_ids:
            return np.empty(0, np.int64), np.empty(0)
        return np.concatenate(all_ids), np.concatenate(all_scores)

    def part_scores(self, part: Part, into: np.ndarray, matched: np.ndarray) -> None:
        """Add a wording's score to `into` where it matches, and mark `matched` there."""
        if part.phrase and len(part.stems) > 1:
            ids, score = self.phrase_scores(part.field, part.stems, part.boost)
            into[ids] += score
            matched[ids] = True
            return
        if len(part.stems) == 1:
            ids, score = self.term_scores(part.field, part.stems[0], part.boost)
            into[ids] += score       # a term's postings name each document once
            matched[ids] = True
            return
        total = np.zeros(self.size)
        count = np.zeros(self.size, dtype=np.int16)
        for text in dict.fromkeys(part.stems):
            ids, score = self.term_scores(part.field, text, part.boost / len(part.stems))
            total[ids] += score
            count[ids] += 1
        every = count == len(dict.fromkeys(part.stems))
        into[every] += total[every]
        matched |= every

    def rank(self, concepts: list[list[Part]], match_all: bool, limit: int, allowed: np.ndarray | None,
             latest: bool) -> Ranked:
        scores = np.zeros(self.size)
        need = np.zeros(self.size, dtype=np.int16)
        for parts in concepts:
            matched = np.zeros(self.size, dtype=bool)
            for part in parts:
                self.part_scores(part, scores, matched)
            need += matched
        hit = need == len(concepts) if match_all else need > 0
        hit &= self.live()
        if allowed is not None:
            hit &= allowed
        docnums = np.flatnonzero(hit)
        if not len(docnums):
            return Ranked(docnums, np.empty(0), np.empty(0, np.int64), 0)
        score = scores[docnums]
        threads = self.column("thread_id")[docnums]
        if latest:
            key = -self.column("created")[docnums]
            order = np.lexsort((docnums, key))
        else:
            order = np.lexsort((docnums, -score))
        first, counts = _first_per_thread(threads[order])
        best = order[first]
        if latest:
            ranking = np.lexsort((docnums[best], -self.column("created")[docnums[best]]))
        else:
            ranking = np.lexsort((docnums[best], -score[best]))
        top = ranking[:limit]
        return Ranked(docnums[best[top]], score[best[top]], counts[top] - 1, len(best))


def _first_per_thread(threads_in_order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of each thread's first appearance, and how often each thread appears."""
    _, first, counts = np.unique(threads_in_order, return_index=True, return_counts=True)
    return first, counts
