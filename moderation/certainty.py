"""How sure the classifier is, in the words a volunteer reads: very likely, likely, possible.

The lines come from the classifier: a post is flagged at a label's threshold and held before anyone sees
it at the hold threshold. "Likely" starts halfway between the flag line and the hold line (or 1.0 when the
hold line is not known). A match on the moderators' own known claims or providers is at least "likely":
those lists are judgements moderators have already made.
"""
from __future__ import annotations

from dataclasses import dataclass

DEFAULT_THRESHOLD = 0.5  # the shipped model's flag line, for flags stored without their threshold


@dataclass(frozen=True)
class Certainty:
    word: str
    explanation: str


VERY_LIKELY = Certainty("very likely", "so clear that posts like it are held before anyone sees them")
LIKELY = Certainty("likely", "well above the line at which the classifier flags a post")
POSSIBLE = Certainty("possible", "just above the line at which the classifier flags a post")
LISTED = Certainty("likely", "it matches the moderators' own list of known claims or providers")
UNSURE = Certainty("unsure", "below the line at which the classifier flags a post")


def likely_line(threshold: float, hold_threshold: float | None = None) -> float:
    top = hold_threshold if hold_threshold is not None and hold_threshold > threshold else 1.0
    return threshold + (top - threshold) / 2


def how_sure(score: float, threshold: float | None = None, hold_threshold: float | None = None,
             listed: bool = False) -> Certainty:
    """The word for a label's score; ``listed``: a known claim or provider matched."""
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    if hold_threshold is not None and score >= hold_threshold:
        return VERY_LIKELY
    if score >= likely_line(threshold, hold_threshold):
        return LIKELY
    if listed:
        return LISTED
    return POSSIBLE if score >= threshold else UNSURE
