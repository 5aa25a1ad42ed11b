"""Fixtures for the moderation tests: members in every role and a post in a thread with neighbours."""
from __future__ import annotations

import pytest


@pytest.fixture()
def people(ctx):
    """One member of each kind the permission matrix needs."""
    from tests.helpers import create_user

    return {
        "member": create_user("reader"),
        "author": create_user("poster"),
        "moderator": create_user("modmaria", role="moderator"),
        "moderator2": create_user("modmo", role="moderator"),
        "admin": create_user("adminada", role="admin"),
    }


@pytest.fixture()
def post(ctx, people):
    """A published post by `author` in a thread, after a first post by someone else."""
    from tests.helpers import create_category, create_thread
    from forum.boards import service

    thread = create_thread(author=people["member"], title="Stem cell clinics abroad",
                           body="Has anyone looked into HSCT abroad?",
                           category=create_category("Stem cells & HSCT", "aHSCT and clinics"))
    p = service.create_reply(people["author"], thread,
                             "Go to the Sunrise clinic in Cancun. Their stem cells cure MS for good. Ask for Dr Lee.")
    service.create_reply(people["member"], thread, "Please be careful, that is not an approved treatment.")
    return p
