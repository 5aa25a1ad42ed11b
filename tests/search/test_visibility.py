"""Hidden, held and deleted posts never show in results or snippets, for any backend."""
from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.models import Post, utcnow
from forum.search import search, sync_dirty_posts
from tests.search.corpus import post_thread, quick_user
from tests.search.test_finding import titles


def hide(post):
    """What a moderator's hide action does to the row."""
    post.hidden_at, post.search_dirty = utcnow(), True
    db.session.commit()


def restore(post):
    post.hidden_at, post.search_dirty = None, True
    db.session.commit()


def test_a_hidden_post_leaves_results_at_once_and_comes_back_when_restored(forum, sync):
    reply = forum.replies["Flushing on my new pills"]
    assert "aspirin" in str(search("aspirin", None).hits[0].snippet)
    hide(reply)
    assert search("aspirin", None).total == 0          # before the worker has touched the index
    sync()
    assert search("aspirin", None).total == 0
    restore(reply)
    sync()
    assert titles(search("aspirin", None)) == ["Flushing on my new pills"]


def test_hidden_text_never_reaches_a_snippet(forum, sync):
    reply = forum.replies["Hair thinning after two years on DMF"]
    hide(reply)
    for query in ("dmf zinc", "hair thinning", "tecfidera hair loss"):
        for hit in search(query, None).hits:
            assert "zinc" not in str(hit.snippet), query


def test_held_and_deleted_posts_are_not_found(forum, sync):
    from forum.boards import service

    held = forum.replies["Ocrelizumab infusion day tips"]
    held.moderation_state, held.search_dirty = "held", True
    db.session.commit()
    assert search("antihistamines", None).total == 0
    service.delete_post(forum.sam, forum.replies["Tired all the time"])
    assert search("modafinil", None).total == 0
    sync()
    assert search("antihistamines", None).total == 0 and search("modafinil", None).total == 0


def test_replies_in_a_thread_whose_first_post_is_hidden_are_not_found(forum, sync):
    thread = forum.threads["Cooling vest recommendations for summer"]
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    hide(first)
    assert search("ice packs", None).total == 0
    sync()
    assert search("ice packs", None).total == 0
    restore(first)
    sync()
    assert titles(search("ice packs", None)) == ["Cooling vest recommendations for summer"]


def test_moderators_and_members_see_the_same_public_results(forum, sync):
    moderator, member = quick_user("mod", role="moderator"), quick_user("someone")
    hide(forum.replies["Electric shocks when I bend my neck"])
    sync()
    for viewer in (None, member, moderator):
        assert search("steroids", viewer).total == 0


def test_edits_are_searchable_after_the_worker_runs_and_snippets_are_never_stale(forum, sync):
    from forum.boards import service

    reply = forum.replies["Tired all the time"]
    service.edit_post(forum.sam, reply, "Amantadine helped me more than anything else.")
    assert all("Modafinil" not in str(h.snippet) for h in search("modafinil", None).hits)
    sync()
    assert search("modafinil", None).total == 0
    assert titles(search("amantadine", None)) == ["Tired all the time"]


def test_a_new_title_reaches_every_post_of_the_thread(forum, sync):
    from forum.boards import service

    thread = forum.threads["Ocrelizumab infusion day tips"]
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    service.edit_post(forum.tess, first, first.body, title="Kesimpta or Ocrevus: infusion day tips")
    sync()
    hits = search("kesimpta antihistamines", None).hits
    assert [(h.thread_title, h.post_number) for h in hits] == [("Kesimpta or Ocrevus: infusion day tips", 2)]


def test_new_posts_wait_for_the_worker_and_sync_reports_its_work(forum):
    post_thread("Mavenclad year two", "Starting the second course of cladribine tablets.")
    assert search("cladribine", None).total == 0
    assert sync_dirty_posts() == 1
    assert sync_dirty_posts() == 0
    assert titles(search("mavenclad", None)) == ["Mavenclad year two"]
