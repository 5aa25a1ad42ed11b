"""Drafts as a domain: per member and target, never overwritten by surprise, pending ones claimed at login."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.comfort import drafts
from forum.comfort.drafts import DraftError, Target
from forum.comfort.models import Draft
from forum.extensions import db
from forum.models import utcnow
from tests.helpers import create_category, create_thread, create_user


@pytest.fixture()
def world(ctx):
    category = create_category()
    tess, ben = create_user("Tess"), create_user("Ben")
    thread = create_thread(author=ben, category=category)
    return tess, ben, thread, category


def test_save_then_save_again_updates_the_same_draft(world):
    tess, _, thread, _ = world
    first = drafts.save(tess, Target.thread(thread.id), "", "Cooling vests help")
    second = drafts.save(tess, Target.thread(thread.id), "", "Cooling vests help me a lot", first.id)
    assert second.id == first.id
    assert drafts.latest_for(tess, Target.thread(thread.id)).body == "Cooling vests help me a lot"
    # without the id, the latest draft for the same target is still the one updated
    third = drafts.save(tess, Target.thread(thread.id), "", "Cooling vests help me a lot, really")
    assert third.id == first.id
    assert db.session.scalar(select(func.count(Draft.id))) == 1


def test_empty_text_is_not_a_draft(world):
    tess, _, thread, category = world
    assert drafts.save(tess, Target.thread(thread.id), "", "   \n") is None
    assert drafts.save(tess, Target.category(category.id), "", "") is None
    assert drafts.list_for(tess) == []


def test_drafts_are_per_target_and_per_member(world):
    tess, ben, thread, category = world
    reply = drafts.save(tess, Target.thread(thread.id), "", "my reply")
    new = drafts.save(tess, Target.category(category.id), "Heat and fatigue", "my thread")
    assert {d.id for d in drafts.list_for(tess)} == {reply.id, new.id}
    assert drafts.list_for(ben) == []
    assert drafts.get_own(ben, reply.id) is None
    # Ben naming Tess's draft id gets a draft of his own, and Tess's text is untouched
    bens = drafts.save(ben, Target.thread(thread.id), "", "Ben's text", reply.id)
    assert bens.id != reply.id and bens.user_id == ben.id
    db.session.refresh(reply)
    assert reply.body == "my reply"


def test_a_draft_for_another_target_is_not_reused(world):
    tess, _, thread, category = world
    other = create_thread(author=tess, category=category, title="Another thread")
    draft = drafts.save(tess, Target.thread(thread.id), "", "for the first thread")
    assert drafts.for_form(tess, Target.thread(other.id), draft.id) is None
    moved = drafts.save(tess, Target.thread(other.id), "", "for the other thread", draft.id)
    assert moved.id != draft.id


def test_keep_version_never_overwrites(world):
    tess, _, thread, _ = world
    old = drafts.save(tess, Target.thread(thread.id), "", "older text")
    kept = drafts.keep_version(tess, Target.thread(thread.id), "", "newer text from a stale form")
    assert kept.id != old.id
    again = drafts.keep_version(tess, Target.thread(thread.id), "", "newer text from a stale form")
    assert again.id == kept.id
    assert sorted(d.body for d in drafts.list_for(tess)) == ["newer text from a stale form", "older text"]


def test_posting_removes_the_draft_and_copies_of_the_same_text(world):
    tess, _, thread, _ = world
    draft = drafts.save(tess, Target.thread(thread.id), "", "the reply")
    copy = drafts.keep_version(tess, Target.thread(thread.id), "", "something else")
    drafts.remove_posted(tess, Target.thread(thread.id), draft.id, "the reply")
    assert [d.id for d in drafts.list_for(tess)] == [copy.id]
    drafts.remove_posted(tess, Target.thread(thread.id), None, "something else")
    assert drafts.list_for(tess) == []


def test_limits_and_bad_text(world, app):
    tess, _, thread, _ = world
    with pytest.raises(DraftError, match="limit is 200,000 bytes"):
        drafts.save(tess, Target.thread(thread.id), "", "é" * 100_001)
    with pytest.raises(DraftError, match="NUL"):
        drafts.save(tess, Target.thread(thread.id), "", "nul \x00 here")
    assert drafts.list_for(tess) == []


def test_discard_only_your_own(world):
    tess, ben, thread, _ = world
    draft = drafts.save(tess, Target.thread(thread.id), "", "text")
    with pytest.raises(DraftError):
        drafts.discard(ben, draft)
    drafts.discard(tess, draft)
    assert drafts.list_for(tess) == []


def test_pending_text_is_claimed_once_by_whoever_logs_in_with_the_token(world):
    tess, ben, thread, category = world
    token = drafts.stash_pending(Target.thread(thread.id), "", "written before the session ended")
    other = drafts.stash_pending(Target.category(category.id), "A title", "a new thread")
    pending = db.session.scalar(select(Draft).where(Draft.user_id.is_(None)).limit(1))
    assert pending.claim_hash and token not in pending.claim_hash  # only the hash is stored
    assert drafts.list_for(tess) == []
    assert drafts.claim_pending(tess, ["not-a-token"]) == []
    claimed = drafts.claim_pending(tess, [token, other])
    assert sorted(d.body for d in claimed) == ["a new thread", "written before the session ended"]
    assert all(d.user_id == tess.id and d.claim_hash is None for d in claimed)
    assert drafts.claim_pending(ben, [token, other]) == []  # used up
    assert db.session.scalar(select(func.count(Draft.id)).where(Draft.user_id.is_(None))) == 0


def test_claiming_keeps_an_existing_different_draft(world):
    tess, _, thread, _ = world
    mine = drafts.save(tess, Target.thread(thread.id), "", "the text I had saved")
    token = drafts.stash_pending(Target.thread(thread.id), "", "different text posted after expiry")
    drafts.claim_pending(tess, [token])
    bodies = sorted(d.body for d in drafts.list_for(tess))
    assert bodies == ["different text posted after expiry", "the text I had saved"]
    assert drafts.latest_for(tess, Target.thread(thread.id)).body == "different text posted after expiry"
    assert drafts.get_own(tess, mine.id) is not None


def test_pending_text_expires_and_empty_or_unknown_targets_are_not_kept(world):
    _, _, thread, _ = world
    assert drafts.stash_pending(Target.thread(thread.id), "", "  ") is None
    assert drafts.stash_pending(Target.thread(99999), "", "text") is None
    token = drafts.stash_pending(Target.thread(thread.id), "", "old text")
    row = db.session.scalar(select(Draft).where(Draft.user_id.is_(None)))
    row.updated_at = utcnow() - drafts.PENDING_MAX_AGE - timedelta(minutes=1)
    db.session.commit()
    tess = create_user("Late")
    assert drafts.claim_pending(tess, [token]) == []
    drafts.stash_pending(Target.thread(thread.id), "", "new text")  # stashing purges expired ones
    assert db.session.scalar(select(func.count(Draft.id)).where(Draft.user_id.is_(None))) == 1


@pytest.mark.parametrize("raw,expected", [
    ("thread:12", Target("thread", 12)), ("category:3", Target("category", 3)),
    ("post:1", None), ("thread:", None), ("thread:-1", None), ("thread:1e3", None), (None, None), (12, None),
    ("thread:" + "9" * 20, None),
])
def test_target_parse(raw, expected):
    assert Target.parse(raw) == expected


# --------------------------------------------------------------------------- a save racing the post (issue 14)

def test_a_save_arriving_after_the_post_does_not_bring_the_text_back(world):
    from forum.boards import service as boards

    tess, _, thread, _ = world
    target, text = Target.thread(thread.id), "Cold water on the wrists before going out."
    early = drafts.save(tess, target, "", text[:20], submission="form-key-0000000001")
    boards.create_reply(tess, thread, text, "form-key-0000000001")
    drafts.remove_posted(tess, target, early.id, text)

    late = drafts.save(tess, target, "", text, early.id, submission="form-key-0000000001")

    assert late is None
    assert drafts.list_for(tess) == [] and drafts.latest_for(tess, target) is None


def test_a_late_save_of_a_new_thread_already_posted_is_dropped(world):
    from forum.boards import service as boards

    tess, _, _, category = world
    boards.create_thread(tess, category, "Heat and MS", "Does heat make your symptoms worse?", "form-key-0000000002")
    late = drafts.save(tess, Target.category(category.id), "Heat and MS", "Does heat make your symptoms worse?",
                       submission="form-key-0000000002")
    assert late is None and drafts.list_for(tess) == []


def test_text_changed_after_posting_is_still_kept(world):
    """Back to the old form, the member keeps writing: that is new text, and it is saved."""
    from forum.boards import service as boards

    tess, _, thread, _ = world
    boards.create_reply(tess, thread, "First thought.", "form-key-0000000003")
    kept = drafts.save(tess, Target.thread(thread.id), "", "First thought. And a second one.",
                       submission="form-key-0000000003")
    assert kept is not None and [d.body for d in drafts.list_for(tess)] == ["First thought. And a second one."]


def test_another_members_post_with_the_same_key_does_not_drop_a_save(world):
    from forum.boards import service as boards

    tess, ben, thread, _ = world
    boards.create_reply(ben, thread, "Same words.", "form-key-0000000004")
    assert drafts.save(tess, Target.thread(thread.id), "", "Same words.", submission="form-key-0000000004") is not None
