"""Fixtures for the privacy tests: a small forum with a member whose data is everywhere."""
from __future__ import annotations

import email
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import PASSWORD, FormClient, create_category, create_user, score_pending


def mails_to(app, address: str) -> list[str]:
    """Bodies of the mails written to the outbox for this address, oldest first."""
    outbox = Path(app.config["FORUM_INSTANCE_DIR"]) / "outbox"
    found = []
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if outbox.exists() else []:
        message = email.message_from_bytes(path.read_bytes())
        if message["To"] == address:
            found.append(message.get_payload(decode=True).decode("utf-8"))
    return found


def link_in(text: str, path_prefix: str) -> str:
    match = re.search(r"http://forum\.test(" + re.escape(path_prefix) + r"\S+)", text)
    assert match, f"no {path_prefix} link in:\n{text}"
    return match.group(1)


@dataclass
class Scene:
    tess: object
    ben: object
    mod: object
    admin: object
    story: object          # thread Tess started
    first: object          # Tess's first post in it (edited once)
    ben_quote: object      # Ben's reply quoting Tess and @mentioning her (edited once)
    other_thread: object   # Ben's thread
    tess_reply: object     # Tess's reply there (flagged, hidden, appealed, edited by a moderator)
    ben_nested: object     # Ben quoting Tess's reply again, in a nested quote
    ben_post: object       # Ben's first post in his thread, reported by Tess


@pytest.fixture()
def scene(ctx) -> Scene:
    """Tess has posted, been quoted, mentioned, reported, flagged, hidden, warned; she reported and appealed."""
    from forum.boards import service
    from moderation import actions, appeals, reports
    from tests.moderation.factories import flag

    tess = create_user("Tess", email="tess@example.org")
    ben = create_user("Ben", email="ben@example.org")
    mod = create_user("Mod", role="moderator", email="mod@example.org")
    admin = create_user("Admin", role="admin", email="admin@example.org")
    category = create_category()
    story = service.create_thread(tess, category, "My relapse story", "It started with numbness in my left hand.")
    first = story_first = _first(story)
    service.edit_post(tess, story_first, "It started with numbness in my left hand. Then my eyesight went blurry.")
    ben_quote = service.create_reply(ben, story, service.quote_markdown(first) + "Same for me, @Tess. Hang in there.")
    service.edit_post(ben, ben_quote, ben_quote.body + "\n\n(edit: typo)")
    other_thread = service.create_thread(ben, category, "Walking aids", "Which rollator do you use?")
    ben_post = _first(other_thread)
    tess_reply = service.create_reply(tess, other_thread, "Try the Sunrise clinic in Cancun, they cured me.")
    ben_nested = service.create_reply(ben, other_thread, "> " + service.quote_markdown(tess_reply).replace("\n", "\n> ")
                                      + "Please don't, @tess.")
    service.toggle_helpful(ben, first)
    service.toggle_helpful(tess, ben_quote)
    score_pending()  # the worker scores the posts: mentions and watchers are told
    reports.submit(tess, ben_post, "spam", "Ben keeps advertising rollators")
    flag(tess_reply, sentences=[{"text": "Try the Sunrise clinic in Cancun", "scores": {"clinic_promotion": 0.9}}],
         reasons=["model: clinic_promotion 0.90 (threshold 0.50)",
                  'sentence (clinic_promotion 0.90): "Try the Sunrise clinic in Cancun"'])
    actions.edit(mod, tess_reply, "Try the [clinic name removed], they cured me.", note="Removed the clinic name for Tess.")
    actions.hide(mod, tess_reply, reason="clinic_promotion", note="Tess promotes a clinic")
    appeals.submit(tess, tess_reply, "I only shared what helped me, please look again.")
    actions.warn(mod, tess, "Tess, please do not recommend clinics.")
    return Scene(tess, ben, mod, admin, story, first, ben_quote, other_thread, tess_reply, ben_nested, ben_post)


def _first(thread):
    from forum.boards.queries import first_post

    return first_post(thread)


@pytest.fixture()
def login(app):
    """login(user) -> a FormClient logged in as that member (each call is a separate browser)."""

    def make(user, password: str = PASSWORD) -> FormClient:
        client = FormClient(app.test_client())
        client.login(user, password)
        return client

    return make


@pytest.fixture(autouse=True)
def _empty_outbox_and_exports(request):
    """The instance folder lives for the whole session: start each test with no mail and no export files."""
    if "app" not in request.fixturenames and "ctx" not in request.fixturenames:
        yield
        return
    import shutil

    app = request.getfixturevalue("app")
    for name in ("outbox", "exports"):
        shutil.rmtree(Path(app.config["FORUM_INSTANCE_DIR"]) / name, ignore_errors=True)
    yield
