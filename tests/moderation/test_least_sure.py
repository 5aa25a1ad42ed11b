"""The least-sure list: every scored post keeps its scores; moderators answer the unsure ones; answers train.

Issue 19: "the queue offers the posts the model is least sure about, `moderation train --include-decisions`
weighs them".
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from forum.boards.service import create_reply
from forum.extensions import db
from forum.models import Post
from moderation import least_sure, pipeline
from moderation.audit_text import describe
from moderation.decision_labels import training_examples
from moderation.models import AuditEntry, LabelDecision, ModerationFlag, ModerationScore
from moderation.queue import QueueFilter, post_ids
from tests.helpers import FormClient, create_thread, create_user


@dataclass
class Scored:
    scores: dict
    flagged: list = field(default_factory=list)
    hold: bool = False
    reasons: list = field(default_factory=list)
    sentences: list = field(default_factory=list)


class ByWord:
    """Scores each text by the number written in it: 'p=0.42 m=0.10'."""

    version = "test-unsure-1"
    thresholds = {"clinic_promotion": 0.5, "misinformation": 0.4}

    def score(self, texts):
        out = []
        for text in texts:
            values = dict(part.split("=") for part in text.split() if "=" in part and part[0] in "pm")
            scores = {"clinic_promotion": float(values.get("p", 0)), "misinformation": float(values.get("m", 0))}
            flagged = [label for label, value in scores.items() if value >= self.thresholds[label]]
            out.append(Scored(scores, flagged))
        return out


@pytest.fixture()
def scored_posts(ctx):
    author = create_user("writer")
    thread = create_thread(author=author, title="Questions about Tysabri", body="p=0.01 m=0.02 first post")
    posts = {
        "sure_fine": db.session.scalars(select(Post).where(Post.thread_id == thread.id)).one(),
        "near_promo": create_reply(author, thread, "p=0.47 m=0.05 my neurologist's clinic phone is on the NHS site"),
        "near_misinfo": create_reply(author, thread, "p=0.02 m=0.36 JCV index explained"),
        "flagged": create_reply(author, thread, "p=0.93 m=0.05 WhatsApp our coordinator"),
        "middling": create_reply(author, thread, "p=0.20 m=0.25 hair loss on Tecfidera"),
    }
    db.session.commit()
    while pipeline.process_batch(ByWord(), batch_size=50):
        pass
    return posts


def test_the_worker_keeps_scores_for_clean_posts_too(scored_posts):
    row = db.session.get(ModerationScore, scored_posts["near_promo"].id)
    assert scored_posts["near_promo"].moderation_state == "clean"
    assert row.scores == {"clinic_promotion": 0.47, "misinformation": 0.05}
    assert row.model_version == "test-unsure-1"
    assert row.margin == pytest.approx(0.03)


def test_margin_is_the_nearest_label_to_its_threshold():
    assert pipeline.certainty_margin({"clinic_promotion": 0.9, "misinformation": 0.38},
                                     {"clinic_promotion": 0.5, "misinformation": 0.4}) == pytest.approx(0.02)
    assert pipeline.certainty_margin({"clinic_promotion": 0.5, "misinformation": 0.0}, None) == 0.0


def test_least_sure_lists_nearest_first_and_leaves_out_posts_already_in_the_queue(scored_posts):
    listed = [c.post.id for c in least_sure.least_sure()]
    assert listed[:3] == [scored_posts["near_promo"].id, scored_posts["near_misinfo"].id, scored_posts["middling"].id]
    assert scored_posts["flagged"].id not in listed  # it is in the triage queue already
    assert least_sure.count_least_sure() == 4


def test_an_answer_becomes_training_labels_and_the_post_leaves_the_list(scored_posts):
    moderator = create_user("modmia", role="moderator")
    post = scored_posts["near_misinfo"]
    least_sure.record_answers(moderator, post, {"clinic_promotion": False, "misinformation": False}, "accurate")

    assert post.id not in [c.post.id for c in least_sure.least_sure()]
    verdicts = {v.label: v.verdict for v in db.session.scalars(select(LabelDecision).where(LabelDecision.post_id == post.id))}
    assert verdicts == {"clinic_promotion": "rejected", "misinformation": "rejected"}
    lines = [e for e in training_examples() if "JCV index" in e["text"]]
    assert len(lines) == 1 and lines[0]["clinic_promotion"] == 0 and lines[0]["misinformation"] == 0
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.post_id == post.id)).one()
    assert entry.action == "label" and entry.after == {"clinic_promotion": "no", "misinformation": "no"}
    assert "least-sure" in describe(entry) and "members see no change" in describe(entry)
    assert post.moderation_state == "clean"


def test_a_yes_puts_the_post_in_the_queue_as_a_miss(scored_posts):
    moderator = create_user("modmia", role="moderator")
    post = scored_posts["near_promo"]
    least_sure.record_answers(moderator, post, {"clinic_promotion": True, "misinformation": False})

    flag = db.session.scalars(select(ModerationFlag).where(ModerationFlag.post_id == post.id)).one()
    assert flag.label == "clinic_promotion" and flag.resolved_at is None and flag.score == pytest.approx(0.47)
    assert post.id in post_ids(QueueFilter(), 0, 50)
    assert post.moderation_state == "flagged"
    line = [e for e in training_examples() if "NHS site" in e["text"]][0]
    assert (line["clinic_promotion"], line["misinformation"]) == (1, 0)


def test_a_rescored_post_comes_back_after_it_changes(scored_posts):
    moderator = create_user("modmia", role="moderator")
    post = scored_posts["middling"]
    least_sure.record_answers(moderator, post, {"clinic_promotion": False, "misinformation": False})
    assert post.id not in [c.post.id for c in least_sure.least_sure()]
    post.moderation_state = "pending"   # an edit sends it back to the worker
    db.session.commit()
    pipeline.process_batch(ByWord(), batch_size=50)
    assert post.id in [c.post.id for c in least_sure.least_sure()]


def test_members_cannot_answer(scored_posts):
    from moderation.actions import ActionError

    with pytest.raises(ActionError):
        least_sure.record_answers(create_user("reader"), scored_posts["near_promo"],
                                  {"clinic_promotion": True, "misinformation": True})


def test_the_page_asks_and_saves_answers(app, scored_posts):
    create_user("modmia", role="moderator")
    client = FormClient(app.test_client())
    client.login("modmia")
    post = scored_posts["near_promo"]
    page = client.get("/moderation/least-sure")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "NHS site" in html and "WhatsApp our coordinator" not in html
    assert "Does it promote a clinic" in html

    token = client.token()
    prefix = f"post{post.id}-"
    incomplete = client.post(f"/moderation/least-sure/{post.id}", data={prefix + "csrf_token": token,
                                                                         prefix + "clinic_promotion": "no"})
    assert incomplete.status_code == 400 and "Answer whether it states medical misinformation" in incomplete.get_data(as_text=True)

    done = client.post(f"/moderation/least-sure/{post.id}", data={prefix + "csrf_token": token,
                                                                   prefix + "clinic_promotion": "no",
                                                                   prefix + "misinformation": "no"},
                       follow_redirects=True)
    assert done.status_code == 200 and "answered" in done.get_data(as_text=True)
    assert "NHS site" not in done.get_data(as_text=True)
