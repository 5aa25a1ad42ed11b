"""The worker adds known-claim and known-provider reasons to the classifier's verdicts.

The classifier is the keyword double of test_pipeline and `embed` a bag of words, so no model is needed.
"""
from __future__ import annotations

from sqlalchemy import select

from forum.boards.service import create_reply
from forum.extensions import db
from forum.models import Post
from moderation import known, pipeline, worker
from moderation.models import ModerationFlag
from tests.fake_embed import bow_embed
from tests.helpers import create_thread, create_user
from tests.moderation_pipeline.test_pipeline import FakeScore, KeywordClassifier

CLAIM = dict(claim="Mercury amalgam fillings cause MS.", paraphrases="Removing amalgam fillings cures MS.",
             evidence_url="https://example.org/mercury", evidence_title="Mercury and MS")


def setup_lists(moderator):
    known.add_claim(moderator, **CLAIM)
    known.add_provider(moderator, "VidaRegen Clinic", "clinic", "vidaregen-clinic.mx", "+52 998")


def worker_state() -> worker.WorkerState:
    state = worker.WorkerState(classifier=KeywordClassifier())
    worker.refresh_known_lists(state, embed=bow_embed)
    return state


def flags(post_id: int) -> dict[str, ModerationFlag]:
    db.session.expire_all()
    return {f.label: f for f in db.session.scalars(select(ModerationFlag).where(ModerationFlag.post_id == post_id))}


def first_id(thread) -> int:
    return db.session.scalar(select(Post.id).where(Post.thread_id == thread.id, Post.number == 1))


def state_of(post_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Post, post_id).moderation_state


def test_post_asserting_a_known_claim_is_flagged_with_the_claim_and_its_evidence(ctx):
    moderator = create_user("modmia", role="moderator")
    setup_lists(moderator)
    thread = create_thread(author=create_user("Veteran"))
    post = create_reply(thread.author, thread, "I am sure of it. Mercury amalgam fillings cause MS, get them out.")
    state = worker_state()
    assert pipeline.process_batch(state.classifier, known_lists=state.known) == 2
    assert state_of(post.id) == "flagged"
    flag = flags(post.id)["misinformation"]
    assert flag.reasons[0].startswith("known claim: says mercury amalgam fillings cause MS, a known false claim: "
                                      "see https://example.org/mercury")
    assert flag.score < 0.5            # the model's own score is kept
    assert state_of(first_id(thread)) == "clean"


def test_asking_about_a_known_claim_is_not_flagged(ctx):
    setup_lists(create_user("modmia", role="moderator"))
    thread = create_thread(author=create_user("Veteran"), body="Is it true that mercury amalgam fillings cause MS?")
    state = worker_state()
    pipeline.process_batch(state.classifier, known_lists=state.known)
    assert state_of(first_id(thread)) == "clean" and flags(first_id(thread)) == {}


def test_naming_a_listed_provider_flags_clinic_promotion(ctx):
    setup_lists(create_user("modmia", role="moderator"))
    thread = create_thread(author=create_user("Veteran"))
    post = create_reply(thread.author, thread, "They were lovely, write to info@vidaregen-clinic.mx")
    state = worker_state()
    pipeline.process_batch(state.classifier, known_lists=state.known)
    assert flags(post.id)["clinic_promotion"].reasons[0] == \
        "names a listed provider: VidaRegen Clinic (vidaregen-clinic.mx)"


def test_reasons_are_added_after_the_model_and_notes_go_last():
    from moderation.classifier.claims import ClaimBank, ClaimEntry, KnownLists, ProviderList

    bank = ClaimBank([ClaimEntry(1, CLAIM["claim"], (), CLAIM["evidence_url"])], bow_embed, threshold=0.6)
    lists = KnownLists(bank, ProviderList([]))
    model = FakeScore({"clinic_promotion": 0.9, "misinformation": 0.1}, ["clinic_promotion"], False, ["model: x"])
    [result] = pipeline.add_known_signals([model], ["Buy now. Mercury amalgam fillings don't cause MS at all."], lists)
    assert result.flagged == ["clinic_promotion"]          # a debunk does not flag misinformation
    assert result.reasons[0] == "model: x" and result.reasons[1].startswith("note: argues against")
    assert pipeline.add_known_signals([model], ["anything"], None) == [model]


def test_worker_rebuilds_the_lists_only_when_moderators_change_them(ctx):
    moderator = create_user("modmia", role="moderator")
    setup_lists(moderator)
    state = worker_state()
    before = state.known
    worker.refresh_known_lists(state, embed=bow_embed)
    assert state.known is before                           # nothing changed: nothing re-embedded
    row = db.session.scalar(select(known.KnownClaim))
    known.retire_claim(moderator, row)
    worker.refresh_known_lists(state, embed=bow_embed)
    assert state.known is not before and state.known.claims is None   # no active claims left
    thread = create_thread(author=create_user("Veteran"), body="Mercury amalgam fillings cause MS.")
    pipeline.process_batch(state.classifier, known_lists=state.known)
    assert state_of(first_id(thread)) == "clean"


def test_worker_run_once_uses_the_lists(app, ctx):
    setup_lists(create_user("modmia", role="moderator"))
    thread = create_thread(author=create_user("Veteran"), body="Details at vidaregen-clinic.mx")
    state = worker.WorkerState(classifier=KeywordClassifier())   # no encoder: providers only
    worker.run_once(state)
    assert state.known is not None and state.known.claims is None and len(state.known.providers) == 1
    assert "clinic_promotion" in flags(first_id(thread))


def test_a_claim_match_the_model_does_not_support_is_a_note_not_a_flag():
    """With the real classifier's thresholds, a sentence near a claim's topic flags only when the model's own
    misinformation score is at least half its threshold; below that the post is not matched at all."""
    from moderation.classifier.claims import ClaimBank, ClaimEntry, KnownLists, ProviderList

    bank = ClaimBank([ClaimEntry(1, CLAIM["claim"], (), CLAIM["evidence_url"])], bow_embed, threshold=0.6)
    lists = KnownLists(bank, ProviderList([]))
    text = ["Mercury amalgam fillings cause MS, I read it everywhere."]
    thresholds = {"clinic_promotion": 0.5, "misinformation": 0.4}
    unsupported = FakeScore({"clinic_promotion": 0.0, "misinformation": 0.05}, [], False, [])
    assert pipeline.add_known_signals([unsupported], text, lists, thresholds)[0].flagged == []
    supported = FakeScore({"clinic_promotion": 0.0, "misinformation": 0.3}, [], False, [])
    [result] = pipeline.add_known_signals([supported], text, lists, thresholds)
    assert result.flagged == ["misinformation"] and result.reasons[0].startswith("known claim: says mercury")
