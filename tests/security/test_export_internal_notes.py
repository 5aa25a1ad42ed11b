"""The data export holds what moderators said to the member, not their internal notes (audit finding 12)."""
from __future__ import annotations

import json

from forum.privacy import exports
from tests.helpers import create_category, create_user


def test_internal_moderator_notes_are_not_in_the_export(ctx):
    from forum.boards import service
    from moderation import actions

    tess, mod = create_user("Tess"), create_user("Mod", role="moderator")
    thread = service.create_thread(tess, create_category(), "Vitamin D dose", "I take 10000 IU a day.")
    post = service.create_reply(tess, thread, "Ask your neuro before you change the dose.")
    actions.hide(mod, post, reason="other", note="Off topic.")
    actions.restore(mod, post, note="Ben reported her again; he has a grudge, ignore his reports.")
    actions.warn(mod, tess, "Please stay on topic.")
    actions.ban(mod, tess, note="Ben says she runs a second account.")
    actions.unban(mod, tess, note="Checked with Ben: wrong person.")

    data = exports.collect(tess)
    flat = json.dumps(data)
    assert "grudge" not in flat and "second account" not in flat and "Checked with Ben" not in flat
    assert "Ben" not in flat  # nobody who reported her is named, not even in a note
    decisions = {d["action"]: d for d in data["moderation_decisions"]}
    assert decisions["hide"]["told_you"] == "Breaks the forum rules. Off topic."  # what her notification said
    assert decisions["restore"]["told_you"] is None
    told = {a["action"]: a["told_you"] for a in data["moderation_account_actions"]}
    assert told == {"warn": "Please stay on topic.", "ban": None, "unban": None}
