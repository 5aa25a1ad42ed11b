"""Audit finding 20: look-alike member names, and titles that hide or reorder text."""
from __future__ import annotations

import pytest

from forum.accounts import service as accounts
from forum.boards.service import BoardError, check_title
from forum.text import skeleton
from tests.helpers import create_user


@pytest.mark.parametrize("taken,candidate", [("alice", "AIice"), ("alice", "a1ice"), ("moderator_ana", "moderator.ana"),
                                             ("moderator_ana", "moderator-ana"), ("mary", "rnary"),
                                             ("olga", "0lga")])
def test_a_name_that_looks_like_a_members_is_refused(ctx, taken, candidate):
    create_user(taken)
    assert "taken" in (accounts.username_problem(candidate) or "")


def test_different_names_are_still_free(ctx):
    create_user("alice")
    assert accounts.username_problem("alicia") is None
    assert skeleton("alice") != skeleton("alicia")


def test_a_member_may_rename_to_a_look_alike_of_their_own_name(ctx):
    ana = create_user("moderator_ana")
    assert accounts.username_problem("moderator.ana", owner=ana) is None


def test_every_way_a_name_is_written_keeps_its_skeleton(ctx):
    from forum.extensions import db
    member = create_user("Tess_M")
    assert member.username_skeleton == "tessm"
    member.username = "Tess.Mo"
    db.session.commit()
    assert member.username_skeleton == "tessmo"


@pytest.mark.parametrize("title", ["Safe \u202eexe.txt title", "Zero\u200bwidth", "Left\u200eto right",
                                   "word\u200djoiner"])
def test_titles_refuse_bidi_controls_and_zero_width_characters(ctx, title):
    with pytest.raises(BoardError, match="invisible direction or zero-width"):
        check_title(title)


def test_emoji_built_with_a_joiner_stay_allowed(ctx):
    assert check_title("Good day on wheels \U0001F469\u200d\U0001F9BD") == "Good day on wheels \U0001F469\u200d\U0001F9BD"
