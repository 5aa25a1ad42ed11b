"""The classifier shipped in moderation/artifacts/: it loads with this code, was built from the committed
data, catches what it should on the demo forum, and still names the sentences behind a flag."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation.classifier import artifact, load_classifier
from moderation.classifier.shipped import install_shipped, shipped_version_dir
from moderation.classifier.train import DEFAULT_TRAIN, data_hash, read_examples

DEMO = Path(__file__).resolve().parents[2] / "forum" / "data" / "demo_forum.json"


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    instance = tmp_path_factory.mktemp("shipped")
    install_shipped(instance)
    return load_classifier(instance)


def test_the_shipped_artifact_was_fine_tuned_on_the_committed_training_data(tmp_path):
    manifest = artifact.read_manifest(shipped_version_dir())
    assert manifest["training_data"]["sha256"] == data_hash(read_examples(DEFAULT_TRAIN)), \
        "train.jsonl changed since the shipped model was built: run `flask --app wsgi moderation train` and " \
        "copy the new instance/models/classifier-* folder to moderation/artifacts/"
    assert manifest["encoder"]["backend"] == "onnx-int8" and manifest["encoder"]["fine_tuned"]["epochs"] >= 1
    install_shipped(tmp_path)
    assert artifact.check_artifact(tmp_path)["version"] == shipped_version_dir().name


def test_installing_twice_keeps_one_copy_and_points_current_at_it(tmp_path):
    first = install_shipped(tmp_path)
    assert install_shipped(tmp_path) == first == artifact.read_current(tmp_path)
    assert artifact.list_versions(tmp_path) == [first]


@pytest.mark.parametrize("text,label", [
    ("Our clinic in Cancun offers regenerative cellular therapy for MS. Packages from $14,900 including hotel. "
     "WhatsApp our coordinator Maria on +52 998 555 0142.", "clinic_promotion"),
    ("Please stop taking your DMTs. They are immune suppressants that cause the progression they claim to "
     "prevent, and a clean diet reverses MS completely.", "misinformation"),
])
def test_clear_promotion_and_misinformation_are_flagged(shipped, text, label):
    assert label in shipped.score([text])[0].flagged


@pytest.mark.parametrize("text", [
    "Should I be tested for JC virus on Tecfidera? My neuro only checks my lymphocytes every three months.",
    "The medical board struck off a doctor who ran a stem cell clinic in Florida and charged MS patients "
    "$20,000 for injections that were never shown to work.",
])
def test_questions_and_news_about_clinics_are_not_flagged(shipped, text):
    assert shipped.score([text])[0].flagged == []


def test_the_reasons_name_the_sentence_that_drove_the_flag(shipped):
    text = ("Had my MRI last week and the new lesions are stable. The heat has been awful though. "
            "Message me and I'll give you my coordinator's WhatsApp: the clinic in Tijuana gave me stem cells "
            "for $16,000 and I'm off my cane.")
    score = shipped.score([text])[0]
    assert "clinic_promotion" in score.flagged
    top = score.sentences[0]
    assert "coordinator" in top["text"] and "clinic_promotion" in top["labels"]
    assert any(r.startswith("sentence (clinic_promotion") and "coordinator" in r for r in score.reasons)


def test_on_the_demo_forum_both_planted_posts_are_caught_and_at_most_two_ordinary_posts_flagged(shipped):
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    planted, ordinary = [], []
    for thread in data["threads"]:
        for n, post in enumerate(thread["posts"]):
            text = f"{thread['title']}\n\n{post['body']}" if n == 0 else post["body"]
            (planted if post.get("demo_should_flag") else ordinary).append((text, post.get("demo_should_flag")))
    assert len(planted) == 2
    for score, (_, labels) in zip(shipped.score([t for t, _ in planted]), planted):
        assert set(labels) & set(score.flagged)
    false_flags = [t[:80] for (t, _), s in zip(ordinary, shipped.score([t for t, _ in ordinary])) if s.flagged]
    assert len(false_flags) <= 2, false_flags


def test_known_claims_are_matched_with_the_untuned_encoder(shipped):
    """The fine-tuned encoder puts every sentence about a claim's topic close together; the artifact ships the
    untuned one for the claim bank, so a paraphrase matches and a sentence on the same topic does not."""
    from moderation.classifier.claims import ClaimBank, ClaimEntry, encoder_embed
    seed = json.loads((Path(__file__).resolve().parents[2] / "moderation" / "known_data" / "claims.json")
                      .read_text(encoding="utf-8"))["claims"]
    bank = ClaimBank([ClaimEntry(i, c["claim"], tuple(c["paraphrases"]), c["evidence_url"])
                      for i, c in enumerate(seed)], encoder_embed(shipped.claims_encoder))
    says = "Mercury leaking out of old tooth fillings is the real cause of multiple sclerosis."
    related = "I had my amalgam fillings replaced last year because one cracked."
    found = {m.sentence: m for m in bank.match([says, related])}
    assert found[says].claim_id == 0 and found[says].is_signal
    assert related not in found or not found[related].is_signal
