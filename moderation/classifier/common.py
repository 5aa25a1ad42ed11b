"""Names and result types shared by the light (web) side and the model side. Pure Python."""
from __future__ import annotations

from dataclasses import dataclass, field

LABELS: tuple[str, ...] = ("clinic_promotion", "misinformation")
HOLD_LABEL = "clinic_promotion"
MODELS_DIRNAME = "models"
CURRENT_FILENAME = "CURRENT"
ARTIFACT_PREFIX = "classifier-"
MANIFEST_FORMAT = 1


class ModelUnavailable(RuntimeError):
    """No usable trained classifier: missing, incomplete or corrupt artifact, or its runtime is missing.

    The message says what is wrong and how to fix it (usually: `flask --app wsgi moderation train`).
    """


@dataclass
class Score:
    """The classifier's verdict on one post."""
    scores: dict[str, float]                            # label -> calibrated probability in [0, 1]
    flagged: list[str] = field(default_factory=list)    # labels whose score >= their threshold
    hold: bool = False                                  # clinic_promotion >= the hold threshold
    reasons: list[str] = field(default_factory=list)    # human-readable, most important first
    sentences: list[dict] = field(default_factory=list) # {"text", "scores", "labels", "contribution", "start", "end"}
    rules: list[dict] = field(default_factory=list)     # {"rule", "match"}

    def as_dict(self) -> dict:
        return {"scores": dict(self.scores), "flagged": list(self.flagged), "hold": self.hold,
                "reasons": list(self.reasons), "sentences": [dict(s) for s in self.sentences],
                "rules": [dict(r) for r in self.rules]}
