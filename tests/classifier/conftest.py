"""Shared fixtures for the classifier tests.

One small model is trained per test session (a few hundred examples, the real encoder and code path) into a
temporary instance folder; tests that need an instance of their own copy it.
"""
from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "moderation" / "data"


def _small_training_set(n_per_kind: int = 16, seed: int = 7) -> list[dict]:
    rows = [json.loads(line) for line in (DATA / "train.jsonl").read_text(encoding="utf-8").splitlines() if line]
    by_kind: dict[str, list[dict]] = {}
    for r in rows:
        by_kind.setdefault(r["kind"], []).append(r)
    rng = random.Random(seed)
    out = []
    for kind in sorted(by_kind):
        k = n_per_kind * (10 if kind in ("promotion", "misinfo", "both", "neutral") else 1)
        out.extend(rng.sample(by_kind[kind], min(k, len(by_kind[kind]))))
    rng.shuffle(out)
    return out


@pytest.fixture(scope="session")
def small_train_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("clfdata") / "small_train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _small_training_set()), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def trained_instance(tmp_path_factory, small_train_file) -> Path:
    """An instance folder with one trained model (small data, no held-out scoring): the frozen-encoder
    method, which trains in seconds; the fine-tuning path has its own tests (test_clf_finetune.py)."""
    from moderation.classifier.train import train_model
    instance = tmp_path_factory.mktemp("clfinstance")
    train_model(instance, data_paths=[small_train_file], progress=False, heldout_path=None, method="frozen")
    return instance


@pytest.fixture(scope="session")
def classifier(tmp_path_factory):
    """The classifier that ships with the code (moderation/artifacts/), installed as `make run` installs it:
    behaviour tests ask what moderators will actually see."""
    from moderation.classifier import load_classifier
    from moderation.classifier.shipped import install_shipped
    instance = tmp_path_factory.mktemp("shipped-instance")
    install_shipped(instance)
    return load_classifier(instance)


@pytest.fixture()
def instance_copy(trained_instance, tmp_path) -> Path:
    """A private copy of the trained instance that a test may damage."""
    dest = tmp_path / "instance"
    shutil.copytree(trained_instance, dest)
    return dest
