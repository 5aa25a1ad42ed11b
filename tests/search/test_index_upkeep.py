"""The index can vanish, break or be rebuilt without search failing or web requests waiting."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from forum.extensions import db
from forum.search import ensure_index, get_backend, rebuild_index, search, sync_dirty_posts
from tests.search.corpus import post_thread
from tests.search.test_finding import titles


def break_index(backend: str, how: str) -> None:
    if backend == "postgres":
        db.session.execute(text("DROP TABLE post_search"))
        db.session.commit()
        return
    live = get_backend().current_dir()
    if how == "missing":
        shutil.rmtree(live)
        return
    for path in Path(live).iterdir():
        if path.suffix in (".toc", ".seg", ".trm", ".pst"):
            path.write_bytes(b"\x00garbage" * 3)


def test_a_missing_index_says_unavailable_and_the_worker_rebuilds_it(forum, backend, client):
    break_index(backend, "missing")
    results = search("ocrevus", None)
    assert results.unavailable and not results.hits
    assert any("temporarily unavailable" in m for m in results.messages)
    page = client.get("/search?q=ocrevus")
    assert page.status_code == 503 and "temporarily unavailable" in page.get_data(as_text=True)
    api = client.get("/api/v1/search?q=ocrevus")
    assert api.status_code == 503 and "temporarily unavailable" in api.get_json()["message"]
    assert sync_dirty_posts() == 0           # the worker's sync does not fail either
    assert ensure_index() is True
    assert ensure_index() is False
    assert "Ocrelizumab infusion day tips" in titles(search("ocrevus", None))


def test_a_corrupt_whoosh_index_is_detected_and_rebuilt(forum, backend):
    if backend != "whoosh":
        pytest.skip("the Whoosh index only")
    break_index(backend, "corrupt")
    assert search("ocrevus", None).unavailable
    assert ensure_index() is True
    assert "Ocrelizumab infusion day tips" in titles(search("ocrevus", None))


def test_reindex_builds_aside_and_swaps_when_complete(forum, backend):
    post_thread("Zeposia experiences", "Ozanimod has been easy for me.")       # flagged, not yet indexed
    seen_during = []

    def progress(done: int, total: int) -> None:
        seen_during.append((titles(search("ocrevus", None)), search("zeposia", None).total))

    assert rebuild_index(progress=progress) > 0
    assert seen_during and all("Ocrelizumab infusion day tips" in t and n == 0 for t, n in seen_during)
    assert titles(search("zeposia", None)) == ["Zeposia experiences"]
    assert sync_dirty_posts() == 0           # the rebuild cleared the flags of what it indexed


def test_reindex_command_shows_progress_and_a_summary(forum, app):
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Search index rebuilt" in result.output and "posts/s" in result.output
    assert "Ocrelizumab infusion day tips" in titles(search("ocrevus", None))


def test_searches_answer_while_a_writer_holds_the_whoosh_lock(forum, backend):
    if backend != "whoosh":
        pytest.skip("the Whoosh index only")
    from whoosh import index

    writer = index.open_dir(str(get_backend().current_dir())).writer()
    try:
        assert "Ocrelizumab infusion day tips" in titles(search("ocrevus", None))
        post_thread("Ponvory", "Ponesimod questions.")
        assert sync_dirty_posts() == 0       # the worker waits its turn instead of failing
    finally:
        writer.cancel()
    assert sync_dirty_posts() == 1
    assert titles(search("ponesimod", None)) == ["Ponvory"]


def test_a_thread_moved_to_another_category_is_found_under_the_new_one(forum, sync):
    thread = forum.threads["Tired all the time"]
    thread.category = forum.categories["treatments"]
    db.session.commit()
    assert sync() == 2                       # both posts of the thread, flagged by the move
    new, old = forum.categories["treatments"].slug, forum.categories["symptoms"].slug
    assert titles(search(f"fatigue category:{new}", None)) == ["Tired all the time"]
    assert titles(search(f"fatigue category:{old}", None)) == []


def test_an_index_from_before_synonym_group_tokens_is_read_and_then_rebuilt(forum, backend, monkeypatch):
    if backend != "whoosh":
        pytest.skip("the Whoosh index only")
    from whoosh.fields import ID, NUMERIC, TEXT, Schema

    from forum.search import whoosh_backend
    from forum.search.analysis import whoosh_analyzer

    def layout_1_schema(groups=None):       # no group tokens; thread, category, author, date indexed as terms
        return Schema(post_id=ID(stored=True, unique=True), thread_id=NUMERIC(int, bits=64, stored=True, sortable=True),
                      category_id=ID(), author_id=ID(), created=NUMERIC(int, bits=64, stored=True, sortable=True),
                      title=TEXT(analyzer=whoosh_analyzer(), phrase=True), body=TEXT(analyzer=whoosh_analyzer(), phrase=True))
    current_fields = whoosh_backend._fields
    monkeypatch.setattr(whoosh_backend, "schema", layout_1_schema)
    monkeypatch.setattr(whoosh_backend, "_fields", lambda doc: {**current_fields(doc), "category_id": str(doc.category_id),
                                                                 "author_id": str(doc.author_id)})
    rebuild_index()
    (get_backend().current_dir() / whoosh_backend.LAYOUT_FILE).unlink()
    monkeypatch.undo()
    assert "Hair thinning after two years on DMF" in titles(search("tecfidera hair loss", None))
    assert titles(search(f"fatigue category:{forum.categories['symptoms'].slug}", None)) == ["Tired all the time"]
    assert ensure_index() is True            # the worker rebuilds it in the current layout
    assert ensure_index() is False
    assert "Hair thinning after two years on DMF" in titles(search("tecfidera hair loss", None))


def test_a_synonym_group_added_after_the_index_was_built_works_without_a_reindex(forum, app, tmp_path):
    from forum.search.vocabulary import DEFAULT_FILE

    assert search("zonked", None).total == 0
    edited = tmp_path / "synonyms.txt"
    edited.write_text(DEFAULT_FILE.read_text(encoding="utf-8") + "\nzonked, exhausted\n", encoding="utf-8")
    app.config["SEARCH_SYNONYMS_FILE"] = str(edited)
    try:
        assert titles(search("zonked", None)) == ["Tired all the time"]
    finally:
        app.config.pop("SEARCH_SYNONYMS_FILE")
