"""The moderation classifier: scores posts for `clinic_promotion` and `misinformation`.

Importing this package is cheap and never imports torch, transformers or onnxruntime (the web process
imports moderation modules); the model is loaded by load_classifier(), in the worker and the
`flask moderation ...` commands.

    from moderation.classifier import load_classifier
    clf = load_classifier(app.instance_path,
                          thresholds=app.config.get("CLASSIFIER_THRESHOLDS"),
                          hold_threshold=app.config.get("CLASSIFIER_HOLD_THRESHOLD"))
    for s in clf.score(["post text", ...]):
        s.scores, s.flagged, s.hold, s.reasons, s.sentences, s.rules

Training: moderation.classifier.train.train_model(instance_dir); metrics: moderation.classifier.evaluate.evaluate(...).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .common import LABELS, ModelUnavailable, Score

if TYPE_CHECKING:  # pragma: no cover
    from .model import Classifier

__all__ = ["LABELS", "ModelUnavailable", "Score", "load_classifier", "current_version"]


def load_classifier(instance_dir: str | Path, thresholds: dict | None = None,
                    hold_threshold: float | None = None, hold_thresholds: dict | None = None) -> "Classifier":
    """Load the current trained classifier from <instance_dir>/models/CURRENT.

    thresholds (label -> float), hold_threshold (clinic_promotion) and hold_thresholds (label -> float)
    override the artifact's own values when given
    (the forum passes app.config["CLASSIFIER_THRESHOLDS"] / ["CLASSIFIER_HOLD_THRESHOLD"]).
    Raises ModelUnavailable when there is no usable model, ValueError for bad threshold values.
    """
    from .model import Classifier
    return Classifier.load(instance_dir, thresholds=thresholds, hold_threshold=hold_threshold,
                           hold_thresholds=hold_thresholds)


def current_version(instance_dir: str | Path) -> str | None:
    """Name of the current artifact (e.g. "classifier-20250101120000"), or None. Reads one small file."""
    from .artifact import read_current
    try:
        return read_current(instance_dir)
    except ModelUnavailable:
        return None
