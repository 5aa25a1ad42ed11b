"""Pending posts become clean, flagged or held; nothing is lost when the worker dies.

The classifier here is a small deterministic double so each state can be reached on purpose;
tests/classifier covers the real model, and test_worker_with_real_model runs the two together.
"""
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from forum.boards.service import create_reply, edit_post
from forum.extensions import db
from forum.models import Notification, Post
from moderation import pipeline
from moderation.models import ModerationFlag
from tests.helpers import FormClient, create_thread, create_user


@dataclass
class FakeScore:
    scores: dict
    flagged: list
    hold: bool
    reasons: list = field(default_factory=list)
    sentences: list = field(default_factory=list)


class KeywordClassifier:
    """Flags 'PROMO' as clinic promotion, 'HOLDME' as promotion strong enough to hold, 'FAKE' as misinformation."""

    version = "test-double-1"

    def __init__(self, fail_after: int | None = None):
        self.fail_after = fail_after

    def score(self, texts):
        if self.fail_after is not None:
            raise RuntimeError("worker killed mid-batch")
        out = []
        for text in texts:
            flagged = [label for word, label in (("PROMO", "clinic_promotion"), ("HOLDME", "clinic_promotion"),
                                                 ("FAKE", "misinformation")) if word in text]
            flagged = sorted(set(flagged))
            scores = {"clinic_promotion": 0.97 if "HOLDME" in text else 0.8 if "PROMO" in text else 0.02,
                      "misinformation": 0.9 if "FAKE" in text else 0.03}
            out.append(FakeScore(scores, flagged, "HOLDME" in text, [f"rule: test {label}" for label in flagged],
                                 [{"text": text[:40], "scores": scores}] if flagged else []))
        return out


def state(post_id):
    db.session.expire_all()
    return db.session.get(Post, post_id).moderation_state


def test_benign_post_becomes_clean(ctx):
    thread = create_thread(body="Does anyone else get the Tecfidera flush?")
    assert state(1) == "pending"
    assert pipeline.process_batch(KeywordClassifier()) == 1
    assert state(1) == "clean"
    assert db.session.scalar(select(func.count(ModerationFlag.id))) == 0
    assert thread.id


def test_flagged_post_gets_a_flag_per_label_with_reasons_and_stays_public(ctx, client):
    thread = create_thread(author=create_user("Veteran"))
    reply = create_reply(thread.author, thread, "PROMO and FAKE in one post")
    pipeline.process_batch(KeywordClassifier())
    assert state(reply.id) == "flagged"
    flags = {f.label: f for f in db.session.scalars(select(ModerationFlag))}
    assert set(flags) == {"clinic_promotion", "misinformation"}
    assert flags["clinic_promotion"].score == pytest.approx(0.8)
    assert flags["clinic_promotion"].model_version == "test-double-1"
    assert "rule: test clinic_promotion" in flags["clinic_promotion"].reasons
    assert "PROMO and FAKE" in client.get(f"/t/{thread.id}").get_data(as_text=True)


def test_high_promotion_score_holds_the_post_until_review(app, ctx, client):
    thread = create_thread(author=create_user("Veteran"))
    author = create_user("Seller")
    post = create_reply(author, thread, "HOLDME cheap package")
    pipeline.process_batch(KeywordClassifier())
    assert state(post.id) == "held"
    assert "HOLDME" not in client.get(f"/t/{thread.id}").get_data(as_text=True)
    seller = FormClient(app.test_client())
    seller.login("Seller")
    page = seller.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "HOLDME" in page and "Awaiting review" in page
    assert db.session.scalar(select(Notification).where(Notification.user_id == author.id, Notification.kind == "moderation_held"))


def test_an_automatic_hold_is_in_the_audit_log(ctx):
    from moderation.audit_text import describe
    from moderation.models import AuditEntry

    post = create_reply(create_user("Seller"), create_thread(author=create_user("Veteran")), "HOLDME cheap package")
    pipeline.process_batch(KeywordClassifier())
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.post_id == post.id)).one()
    assert entry.actor_id is None and entry.action == "hold"
    assert describe(entry) == "Held automatically pending review"


def test_new_members_first_post_with_a_link_and_any_flag_is_held(ctx):
    thread = create_thread(author=create_user("Veteran"))
    newbie = create_user("Newbie")
    first = create_reply(newbie, thread, "FAKE claim, see https://example.org/proof")
    pipeline.process_batch(KeywordClassifier())
    assert state(first.id) == "held"
    second = create_reply(newbie, thread, "FAKE again, see https://example.org/proof")
    pipeline.process_batch(KeywordClassifier())
    assert state(second.id) == "flagged"


def test_killed_worker_loses_nothing(ctx):
    for i in range(3):
        create_thread(title=f"Thread {i}", body="PROMO" if i == 1 else "hello")
    with pytest.raises(RuntimeError):
        pipeline.process_batch(KeywordClassifier(fail_after=0))
    db.session.rollback()
    assert pipeline.pending_count() == 3
    assert pipeline.process_batch(KeywordClassifier()) == 3
    assert [state(i) for i in (1, 2, 3)] == ["clean", "flagged", "clean"]


def test_post_edited_while_scored_stays_pending_for_the_next_pass(ctx):
    thread = create_thread(body="PROMO first version")
    post = db.session.get(Post, 1)
    seen = post.revision_count
    edit_post(thread.author, post, "harmless second version")
    result = KeywordClassifier().score(["PROMO first version"])[0]
    assert pipeline.apply_score(post, result, "v", seen) is None
    db.session.commit()
    assert state(1) == "pending"
    pipeline.process_batch(KeywordClassifier())
    assert state(1) == "clean"


def test_edit_sends_a_post_back_to_the_worker_but_held_stays_held(ctx):
    thread = create_thread(body="hello")
    pipeline.process_batch(KeywordClassifier())
    post = db.session.get(Post, 1)
    edit_post(thread.author, post, "now PROMO")
    assert state(1) == "pending"
    pipeline.process_batch(KeywordClassifier())
    assert state(1) == "flagged"
    post = db.session.get(Post, 1)
    post.moderation_state = "held"
    db.session.commit()
    edit_post(thread.author, post, "tidied up")
    assert state(1) == "held"


def test_backfill_requeues_everything_but_held_posts(app, ctx):
    create_thread(body="hello")
    create_thread(title="Second", body="HOLDME")
    pipeline.process_batch(KeywordClassifier())
    result = app.test_cli_runner().invoke(args=["moderation", "backfill"])
    assert result.exit_code == 0, result.output
    assert state(1) == "pending" and state(2) == "held"


def test_worker_once_without_a_model_leaves_posts_pending(app, ctx, client):
    create_thread(body="hello")
    result = app.test_cli_runner().invoke(args=["moderation", "worker", "--once"])
    assert result.exit_code != 0
    assert "Classifier unavailable" in result.output or "No classifier model" in result.output
    assert state(1) == "pending"
    assert client.get("/t/1").status_code == 200


def test_staff_posts_are_flagged_but_never_held(ctx, client):
    thread = create_thread(author=create_user("Veteran"))
    moderator = create_user("Moderator", role="moderator")
    post = create_reply(moderator, thread, "Reminder: posts with HOLDME prices and contact details get removed")
    pipeline.process_batch(KeywordClassifier())
    assert state(post.id) == "flagged"
    assert "HOLDME prices" in client.get(f"/t/{thread.id}").get_data(as_text=True)
