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


def test_the_reasons_name_the_sentence_that_drove_the_flag(shipped):
    text = ("Had my MRI last week and the new lesions are stable. The heat has been awful though. "
            "Message me and I'll give you my coordinator's WhatsApp: the clinic in Tijuana gave me stem cells "
            "for $16,000 and I'm off my cane.")
    score = shipped.score([text])[0]
    assert "clinic_promotion" in score.flagged
    top = score.sentences[0]
    assert "coordinator" in top["text"] and "clinic_promotion" in top["labels"]
    assert any(r.startswith("sentence (clinic_promotion") and "coordinator" in r for r in score.reasons)
