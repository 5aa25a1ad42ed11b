"""Reading and writing threads the way members do."""
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Notification, Post, PostRevision, Thread
from tests.helpers import create_category, create_thread, create_user


def start_thread(client, slug="treatments-dmts", title="Hair loss on Tecfidera", body="Anyone else losing hair?"):
    return client.post_form(f"/c/{slug}/new", {"title": title, "body": body})


def test_member_starts_a_thread_and_reads_it(client, ctx):
    create_category()
    create_user("Tess")
    client.login("Tess")
    response = start_thread(client, body="Anyone else **losing hair** on DMF?")
    assert response.status_code == 302
    assert "/t/1-hair-loss-on-tecfidera" in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>losing hair</strong>" in html and "Tess" in html
    assert db.session.get(Post, 1).moderation_state == "pending"


def test_category_slug_rule_and_unknown_slug(client, ctx):
    create_category("Stem cells & HSCT")
    assert client.get("/c/stem-cells-hsct").status_code == 200
    assert client.get("/c/no-such-thing").status_code == 404


def test_thread_list_pins_first_then_latest_activity(client, ctx):
    category = create_category()
    old = create_thread(title="Old pinned welcome", category=category)
    create_thread(title="Newer question", category=category)
    old.pinned = True
    db.session.commit()
    html = client.get("/c/treatments-dmts").get_data(as_text=True)
    assert html.index("Old pinned welcome") < html.index("Newer question")
    latest = client.get("/latest").get_data(as_text=True)
    assert latest.index("Newer question") < latest.index("Old pinned welcome")


def test_thread_pagination(app, client, ctx):
    thread = create_thread(title="Long thread")
    for i in range(app.config["POSTS_PER_PAGE"] + 3):
        from forum.boards.service import create_reply
        create_reply(thread.author, thread, f"reply number {i}")
    page2 = client.get(f"/t/{thread.id}?page=2").get_data(as_text=True)
    assert "reply number 22" in page2 and "reply number 0<" not in page2
    assert client.get(f"/t/{thread.id}?page=3").status_code == 404


def test_reply_with_quote_links_back(client, ctx):
    thread = create_thread(author=create_user("Tess"), body="JCV index was 0.9 at my last test")
    create_user("Sam")
    client.login("Sam")
    form = client.get(f"/t/{thread.id}/reply?quote=1").get_data(as_text=True)
    assert "&gt; JCV index was 0.9 at my last test" in form
    body = f"> **Tess** [wrote](/t/{thread.id}#p1):\n>\n> JCV index was 0.9\n\nMine was lower."
    response = client.post_form(f"/t/{thread.id}/reply", {"body": body})
    assert response.status_code == 302
    html = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "<blockquote>" in html and f'href="/t/{thread.id}#p1"' in html


def test_edit_keeps_revisions_and_shows_history(client, ctx):
    thread = create_thread(author=create_user("Tess"), body="first version")
    client.login("Tess")
    response = client.post_form("/p/1/edit", {"title": "Hair loss on Tecfidera (update)", "body": "second version"})
    assert response.status_code == 302
    html = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "second version" in html and "edited" in html and "(update)" in html
    history = client.get("/p/1/history").get_data(as_text=True)
    assert "first version" in history and "second version" in history
    assert db.session.scalar(select(func.count(PostRevision.id))) == 2


def test_only_the_author_edits_or_deletes(client, ctx):
    create_thread(author=create_user("Tess"))
    create_user("Sam")
    client.login("Sam")
    assert client.get("/p/1/edit").status_code == 403
    assert client.post_form("/p/1/edit", {"body": "vandalised"}).status_code == 403
    assert client.post_form("/p/1/delete", {}).status_code == 403
    assert "vandalised" not in client.get("/t/1").get_data(as_text=True)


def test_soft_delete_shows_placeholder_and_keeps_text_for_moderators(app, client, ctx):
    from tests.helpers import FormClient

    thread = create_thread(author=create_user("Tess"), body="my private worry")
    create_user("Moderator", role="moderator")
    client.login("Tess")
    assert "Delete this post?" in client.get("/p/1/delete").get_data(as_text=True)
    client.post_form("/p/1/delete", {})
    visitor = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Post removed by author" in visitor and "my private worry" not in visitor
    moderator = FormClient(app.test_client())
    moderator.login("Moderator")
    assert "my private worry" in moderator.get(f"/t/{thread.id}").get_data(as_text=True)


def test_helpful_toggles_once_per_member(client, ctx):
    create_thread(author=create_user("Tess"))
    create_user("Sam")
    client.login("Sam")
    client.post_form("/p/1/helpful", {})
    assert "Helpful ✓ (1)" in client.get("/t/1").get_data(as_text=True)
    client.post_form("/p/1/helpful", {})
    assert "Mark helpful (0)" in client.get("/t/1").get_data(as_text=True)


def test_cannot_mark_own_post_helpful(client, ctx):
    create_thread(author=create_user("Tess"))
    client.login("Tess")
    assert client.post_form("/p/1/helpful", {}).status_code == 403


def test_watchers_and_mentions_are_notified(app, client, ctx):
    from tests.helpers import FormClient

    tess, sam = create_user("Tess"), create_user("Sam")
    create_user("Quiet")
    thread = create_thread(author=tess)
    client.login("Sam")
    client.post_form(f"/t/{thread.id}/reply", {"body": "Ask @Quiet, she had the same"})
    from tests.helpers import score_pending

    score_pending()  # members are told once the worker has scored the post
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification))}
    assert (tess.id, "reply") in kinds
    assert any(kind == "mention" for _, kind in kinds)
    assert (sam.id, "reply") not in kinds
    quiet = FormClient(app.test_client())
    quiet.login("Quiet")
    home = quiet.get("/").get_data(as_text=True)
    assert 'id="notification-count"' in home and "1<span class=\"visually-hidden\"> unread" in home
    page = quiet.get("/notifications").get_data(as_text=True)
    assert "Sam mentioned you" in page
    note_id = db.session.scalar(select(Notification.id).where(Notification.kind == "mention"))
    response = quiet.post_form(f"/notifications/{note_id}", {})
    assert response.headers["Location"].endswith("/p/2")
    assert "unread" not in quiet.get("/").get_data(as_text=True).split("notification-count")[1][:120]


def test_unwatching_stops_reply_notifications(client, ctx):
    tess = create_user("Tess")
    thread = create_thread(author=tess)
    client.login("Tess")
    client.post_form(f"/t/{thread.id}/watch", {})
    from forum.boards.service import create_reply
    create_reply(create_user("Sam"), thread, "a reply")
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == tess.id)) == 0


def test_unread_markers_for_threads_with_new_posts(client, ctx):
    tess = create_user("Tess")
    thread = create_thread(author=create_user("Sam"), title="Kesimpta injections")
    client.login("Tess")
    assert "tag new\">New" in client.get("/latest").get_data(as_text=True)
    client.get(f"/t/{thread.id}")
    assert "tag new" not in client.get("/latest").get_data(as_text=True)
    from forum.boards.service import create_reply
    create_reply(thread.author, db.session.get(Thread, thread.id), "one more")
    assert "1 new" in client.get("/latest").get_data(as_text=True)
    assert tess.id


def test_thread_titles_render_escaped(client, ctx):
    create_thread(title="<script>alert(1)</script> help")
    html = client.get("/latest").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_locked_thread_refuses_replies(client, ctx):
    thread = create_thread()
    thread.locked = True
    db.session.commit()
    create_user("Sam")
    client.login("Sam")
    assert client.post_form(f"/t/{thread.id}/reply", {"body": "hello"}).status_code == 403


def test_posting_says_it_watches_the_thread_and_offers_to_stop(client, ctx):
    from html import unescape

    create_user("Tess")
    thread = create_thread(author=create_user("Sam"))
    client.login("Tess")
    before = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Posting a reply also watches this thread" in before

    first = client.post_form(f"/t/{thread.id}/reply", {"body": "Cold drinks help me."}, follow_redirects=True)
    html = unescape(first.get_data(as_text=True))
    assert "You're now watching this thread: you'll be notified of replies." in html
    reply_box = html.split('id="reply-heading"')[1]
    assert "You're watching this thread: you'll be notified of replies." in reply_box
    assert f'action="/t/{thread.id}/watch"' in reply_box and "Stop reply notifications</button>" in reply_box

    again = client.post_form(f"/t/{thread.id}/reply", {"body": "And a fan."}, follow_redirects=True)
    assert "now watching" not in again.get_data(as_text=True)  # said once, when it started

    client.post_form(f"/t/{thread.id}/watch", {})
    assert "Posting a reply also watches this thread" in client.get(f"/t/{thread.id}").get_data(as_text=True)
