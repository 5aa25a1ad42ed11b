"""How sure the system is, in words: the mapping from a score and the classifier's lines."""
from __future__ import annotations

import pytest

from moderation.certainty import how_sure, likely_line


@pytest.mark.parametrize("score,threshold,hold,word", [
    (0.99, 0.35, 0.92, "very likely"),     # past the hold line
    (0.92, 0.35, 0.92, "very likely"),     # on it
    (0.80, 0.35, 0.92, "likely"),          # more than halfway from the flag line to the hold line
    (0.40, 0.35, 0.92, "possible"),        # just over the flag line
    (0.35, 0.35, None, "possible"),
    (0.70, 0.50, None, "possible"),        # hold line unknown: halfway to 1.0 is 0.75
    (0.76, 0.50, None, "likely"),
    (0.30, 0.50, None, "unsure"),          # under the flag line, nothing else behind the flag
])
def test_the_word_follows_the_score_against_the_lines(score, threshold, hold, word):
    assert how_sure(score, threshold, hold).word == word


def test_a_match_on_the_moderators_lists_is_at_least_likely():
    assert how_sure(0.20, 0.50, listed=True).word == "likely"
    assert how_sure(0.55, 0.50, listed=True).word == "likely"
    assert how_sure(0.99, 0.50, 0.92, listed=True).word == "very likely"


def test_a_flag_stored_without_its_threshold_uses_the_shipped_line():
    assert how_sure(0.55).word == "possible" and how_sure(0.45).word == "unsure"


def test_every_word_comes_with_a_reason_a_volunteer_can_read():
    for score in (0.1, 0.55, 0.8, 0.95):
        assert how_sure(score, 0.5, 0.9).explanation


def test_the_likely_line_ignores_a_hold_line_below_the_flag_line():
    assert likely_line(0.5, 0.4) == 0.75 and likely_line(0.4, 0.8) == pytest.approx(0.6)
