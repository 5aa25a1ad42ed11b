"""Notifications about posts that went away since (issue 14): the member is told what happened, in plain
words, never what the post said."""
import pytest
from sqlalchemy import select

from forum import notifications
from forum.boards import service as boards
from forum.boards.queries import first_post
from forum.extensions import db
from forum.models import Notification
from moderation import actions
from tests.helpers import FormClient, create_thread, create_user, score_pending

SECRET = "Sunrise clinic in Cancun cures MS with stem cells"


@pytest.fixture()
def told(client, ctx):
    """Tess watches her thread; Sam replies and, once scored, Tess is notified."""
    tess, sam = create_user("Tess"), create_user("Sam")
    moderator = create_user("Mona", role="moderator")
    thread = create_thread(author=tess, title="Stem cell trips abroad")
    reply = boards.create_reply(sam, thread, SECRET)
    score_pending()
    note = db.session.scalar(select(Notification).where(Notification.user_id == tess.id))
    client.login("Tess")
    return client, tess, sam, moderator, thread, reply, note


def test_a_visible_post_opens_as_before(told):
    client, tess, *_, reply, note = told
    assert notifications.unavailable(note, tess) is None
    assert client.post_form(f"/notifications/{note.id}", {}).headers["Location"].endswith(f"/p/{reply.id}")


def test_a_post_hidden_by_moderators_says_so_without_its_text(told):
    client, tess, _, moderator, thread, reply, note = told
    actions.hide(moderator, reply, "clinic_promotion")

    gone = notifications.unavailable(note, tess)
    assert gone.message == "This post was hidden by the moderators." and gone.thread.id == thread.id

    response = client.post_form(f"/notifications/{note.id}", {})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "This post was hidden by the moderators." in html and "does not exist" not in html
    assert f'href="/t/{thread.id}-' in html and 'href="/notifications"' in html
    assert "Sunrise" not in html and "Cancun" not in html
    listing = client.get("/notifications").get_data(as_text=True)
    assert "Post hidden by the moderators" in listing and "Sunrise" not in listing


def test_a_post_deleted_by_its_author_says_so(told):
    client, tess, sam, *_, reply, note = told
    boards.delete_post(sam, reply)
    assert notifications.unavailable(note, tess).message == "This post was deleted by its author."
    html = client.get(f"/notifications/{note.id}/post").get_data(as_text=True)
    assert "This post was deleted by its author." in html and "Sunrise" not in html
    assert "Post deleted by its author" in client.get("/notifications").get_data(as_text=True)


def test_a_hidden_thread_says_so_and_offers_no_way_into_it(told):
    client, tess, sam, moderator, thread, *_ = told
    mention = boards.create_reply(tess, thread, "Thanks @Sam")
    score_pending()
    note = db.session.scalar(select(Notification).where(Notification.user_id == sam.id,
                                                        Notification.post_id == mention.id))
    actions.hide(moderator, first_post(thread), "clinic_promotion")

    gone = notifications.unavailable(note, sam)
    assert gone.message == "The thread this post was in was hidden by the moderators." and gone.thread is None


def test_the_author_still_opens_their_own_hidden_post(told):
    *_, moderator, _, reply, _ = told
    sam = reply.author
    actions.hide(moderator, reply, "clinic_promotion")
    notifications.notify(sam.id, "moderation", "A moderator hid your post", post=reply)
    db.session.commit()
    note = db.session.scalar(select(Notification).where(Notification.user_id == sam.id))
    assert notifications.unavailable(note, sam) is None


def test_someone_elses_notification_is_not_found(told, app):
    *_, note = told
    other = FormClient(app.test_client())
    create_user("Nosy")
    other.login("Nosy")
    assert other.get(f"/notifications/{note.id}/post").status_code == 404
