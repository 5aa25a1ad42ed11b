"""The array scorer gives the same BM25F scores as Whoosh's own matchers, on a real forum index."""
from __future__ import annotations

import numpy as np
import pytest
from whoosh.query import Phrase, Term


@pytest.fixture()
def searcher(forum, backend):
    if backend != "whoosh":
        pytest.skip("the Whoosh index only")
    from forum.search import get_backend

    return get_backend()._searcher()


def whoosh_scores(searcher, query) -> dict[int, float]:
    return {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}


def vector_scores(ids: np.ndarray, scores: np.ndarray) -> dict[int, float]:
    return dict(zip(ids.tolist(), scores.tolist()))


def test_term_scores_match_whooshs(searcher):
    from forum.search.whoosh_vector import VectorSearcher

    vs = VectorSearcher(searcher)
    checked = 0
    for field in ("title", "body"):
        for text in list(searcher.lexicon(field))[:40]:
            text = text.decode() if isinstance(text, bytes) else text
            expected = whoosh_scores(searcher, Term(field, text))
            got = vector_scores(*vs.term_scores(field, text, 1.0))
            assert got.keys() == expected.keys(), (field, text)
            assert all(got[d] == pytest.approx(expected[d], rel=1e-5) for d in expected), (field, text)
            checked += 1
    assert checked >= 40


def test_phrase_scores_match_whooshs_and_need_the_words_in_order(forum, backend):
    if backend != "whoosh":
        pytest.skip("the Whoosh index only")
    from forum.search import get_backend, sync_dirty_posts
    from forum.search.analysis import whoosh_analyzer
    from forum.search.whoosh_vector import VectorSearcher
    from tests.search.corpus import post_thread

    post_thread("Fingolimod and my heart", "My heart rate dropped on the first dose of fingolimod.")
    post_thread("Heart of the matter", "My resting rate of walking is slow, heart says no.")
    sync_dirty_posts()
    searcher = get_backend()._searcher()

    stems = tuple(t.text for t in whoosh_analyzer()("heart rate"))
    expected = whoosh_scores(searcher, Phrase("body", list(stems)))
    got = vector_scores(*VectorSearcher(searcher).phrase_scores("body", stems, 1.0))
    assert expected and got.keys() == expected.keys()
    assert all(got[d] == pytest.approx(expected[d], rel=1e-5) for d in expected)
    assert not vector_scores(*VectorSearcher(searcher).phrase_scores("body", stems[::-1], 1.0))
