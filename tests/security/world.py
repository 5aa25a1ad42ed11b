"""A small forum with one of everything a URL can name, for the route matrix and the CSRF sweep.

PARAMS maps each URL parameter name to the fixture value it takes; ENDPOINT_PARAMS overrides it
for one endpoint. A rule whose parameter is in neither fails the tests that use it, so a new
route cannot slip past the matrix unchecked.
"""
from __future__ import annotations

from dataclasses import dataclass
from flask import current_app
from werkzeug.routing import AnyConverter

from tests.helpers import create_category, create_user

ROLES = ["anonymous", "member", "author", "moderator", "admin", "suspended", "banned"]
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class World:
    ids: dict
    users: dict


def build() -> World:
    from itsdangerous import URLSafeTimedSerializer
    from sqlalchemy import select

    from forum.accounts import service as accounts
    from forum.boards import service as boards
    from forum.comfort import drafts
    from forum.comfort.drafts import Target
    from forum.extensions import db
    from forum.models import Notification, Post
    from forum.privacy import exports, identity
    from forum.search import rebuild_index
    from moderation import actions, appeals, known, reports

    users = {
        "author": create_user("Author"),
        "member": create_user("Member"),
        "moderator": create_user("Moderator", role="moderator"),
        "admin": create_user("Admin", role="admin"),
        "suspended": create_user("Suspended"),
        "banned": create_user("Banned"),
    }
    category = create_category()
    thread = boards.create_thread(users["author"], category, "Fatigue on Ocrevus", "Does anyone else nap after infusions?")
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    second = boards.create_reply(users["member"], thread, "Yes, the day after, every time. @Author")
    hidden = boards.create_reply(users["author"], thread, "Buy my supplement, it fixed everything.")
    actions.hide(users["moderator"], hidden, note="promotion")
    appeals.submit(users["author"], hidden, "It was a joke between friends, please restore it.")
    reports.submit(users["member"], post, next(iter(reports.REPORT_REASONS)), "Looks like advertising?")
    draft = drafts.save(users["author"], Target.thread(thread.id), "", "A reply I have not finished yet")
    exports.request_export(users["author"])
    exports.process_pending_exports()
    export = db.session.scalar(select(exports.DataExport).where(exports.DataExport.user_id == users["author"].id))
    assert export.status == "ready", export.status
    claim = known.add_claim(users["admin"], "Vitamin D megadoses cure MS", "high dose vitamin D cures ms",
                            "https://www.nationalmssociety.org/", "National MS Society")
    provider = known.add_provider(users["admin"], "Sunrise Stem Cell Clinic", "clinic", "sunrise-cells.example")
    actions.suspend(users["moderator"], users["suspended"], 7, note="cool-down")
    db.session.commit()
    rebuild_index()
    ids = {
        "category_slug": category.slug, "category_id": category.id, "thread_id": thread.id, "thread_slug": thread.slug, "post_id": post.id,
        "second_post_id": second.id, "hidden_post_id": hidden.id, "draft_id": draft.id,
        "export_token": export.token, "export_notification_id": export.notification_id,
        "claim_id": claim.id, "provider_id": provider.id,
        "register_token": URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="register").dumps(
            {"u": "Newcomer", "e": "newcomer@example.org"}),
        "reset_token": accounts.make_reset_token(users["author"]),
        "email_token": identity.make_email_token(users["author"], "author.new@example.org"),
    }
    assert db.session.get(Notification, export.notification_id).user_id == users["author"].id
    return World(ids=ids, users={k: u.id for k, u in users.items()})


# parameter name -> fixture value (a key of World.ids, or a callable of the world)
PARAMS = {
    "slug": "category_slug",
    "category_id": "category_id",
    "thread_id": "thread_id",
    "post_id": "post_id",           # the author's opening post
    "name": lambda w: "Author",
    "user_id": lambda w: w.users["member"],   # whom moderators and admins act on
    "draft_id": "draft_id",
    "notification_id": "export_notification_id",
    "filename": lambda w: "css/forum.css",
}
ENDPOINT_PARAMS = {
    ("boards.thread", "slug"): "thread_slug",
    ("moderation.appeal", "post_id"): "hidden_post_id",
    ("accounts.register_finish", "token"): "register_token",
    ("accounts.reset_with_token", "token"): "reset_token",
    ("privacy.confirm_email", "token"): "email_token",
    ("privacy.download_export", "token"): "export_token",
    ("moderation.known_toggle", "entry_id"): lambda w, values: w.ids["claim_id" if values["kind"] == "claims"
                                                                      else "provider_id"],
}


class Unfillable(LookupError):
    pass


def rule_cases(app) -> list[tuple[str, str, dict]]:
    """(rule, method, {name: choice for any() converters}) for every rule in the URL map, every
    method it answers (HEAD and OPTIONS aside), every choice of its any() converters."""
    cases = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        choices = [{}]
        for name, converter in rule._converters.items():
            if isinstance(converter, AnyConverter):
                options = sorted(converter.items) if hasattr(converter, "items") else _any_options(rule, name)
                choices = [dict(c, **{name: o}) for c in choices for o in options]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for choice in choices:
                cases.append((rule, method, choice))
    return cases


def _any_options(rule, name: str) -> list[str]:
    import re

    match = re.search(r"<any\(([^)]*)\):" + re.escape(name) + ">", rule.rule)
    return sorted(o.strip() for o in match.group(1).split(","))


def case_id(case) -> str:
    rule, method, choice = case
    url = rule.rule
    for name, value in choice.items():
        url = _fill_any(url, name, value)
    return f"{method} {url}"


def _fill_any(url: str, name: str, value: str) -> str:
    import re

    return re.sub(r"<any\([^)]*\):" + re.escape(name) + ">", value, url)


def url_for_case(world: World, rule, choice: dict) -> str:
    values = dict(choice)
    for name in rule.arguments:
        if name in values:
            continue
        spec = ENDPOINT_PARAMS.get((rule.endpoint, name), PARAMS.get(name))
        if spec is None:
            raise Unfillable(f"{rule.rule} ({rule.endpoint}): no fixture value for <{name}>; add one to "
                             "tests/security/world.py PARAMS or ENDPOINT_PARAMS and a rule for it in the matrix")
        if callable(spec):
            try:
                values[name] = spec(world, values)
            except TypeError:
                values[name] = spec(world)
        else:
            values[name] = world.ids[spec]
    url = rule.build(values, append_unknown=False)[1]
    return url


# --------------------------------------------------------------------------- snapshot and restore

_SNAPSHOT: dict = {}


def url_map_app():
    """An app made only to read its URL map at collection time (the same map `flask routes` lists)."""
    import tempfile

    from forum import create_app

    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://",
                                  "FORUM_INSTANCE_DIR": tempfile.mkdtemp(prefix="forum-urlmap-")})


def _tables():
    from forum.extensions import db

    return list(db.metadata.sorted_tables)


def empty_tables() -> None:
    from sqlalchemy import text

    from forum.extensions import db

    db.session.remove()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(_tables()):
            conn.execute(table.delete())


def restore() -> None:
    """Put the world back exactly as it was built (same ids, same session versions)."""
    from sqlalchemy import text

    from forum.extensions import db

    empty_tables()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in _tables():
            rows = _SNAPSHOT["rows"].get(table.name)
            if rows:
                conn.execute(table.insert(), rows)
        if conn.dialect.name == "postgresql":
            for table in _tables():
                if "id" in table.c and table.c.id.autoincrement and _SNAPSHOT["rows"].get(table.name):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                      f"(SELECT max(id) FROM \"{table.name}\"))"))
    db.session.expire_all()


def snapshot_world(app) -> tuple[World, dict]:
    """The world and a logged-in session cookie per role, built once per run and restored per test."""
    from forum.extensions import db
    from tests.helpers import FormClient

    if _SNAPSHOT:
        restore()
        return _SNAPSHOT["world"], _SNAPSHOT["cookies"]
    world = build()
    cookies = {}
    for role in ROLES[1:]:
        client = FormClient(app.test_client())
        client.login(role.capitalize())
        cookies[role] = client.get_cookie("session", domain="forum.test").value
    from moderation import actions
    from forum.models import User

    # banned after logging in: the session in the cookie is one a banned member still holds
    actions.ban(db.session.get(User, world.users["moderator"]), db.session.get(User, world.users["banned"]),
                note="spam")
    db.session.commit()
    with db.engine.connect() as conn:
        _SNAPSHOT["rows"] = {t.name: [dict(r._mapping) for r in conn.execute(t.select())] for t in _tables()}
    _SNAPSHOT.update(world=world, cookies=cookies)
    return world, cookies
