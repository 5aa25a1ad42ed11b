"""`flask forum import FILE.jsonl`: what an admin bringing an old forum over would notice."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Category, Post, PostRevision, Thread, User
from forum.text import USERNAME_RE
from tests.helpers import create_category, create_thread, create_user


def line(post_id, thread_id="t1", *, category="Treatments & DMTs", title="Ocrevus and fatigue", author="Tess",
         created="2019-03-04T10:00:00Z", body="Anyone **tired** after Ocrevus?", **extra) -> dict:
    return {"thread_id": thread_id, "category": category, "thread_title": title, "post_id": post_id,
            "author": author, "created": created, "body": body, **extra}


def write(tmp_path, rows, name="posts.jsonl") -> str:
    path = tmp_path / name
    with path.open("wb") as out:
        for row in rows:
            text = row if isinstance(row, (bytes, str)) else json.dumps(row)
            out.write(text if isinstance(text, bytes) else text.encode())
            out.write(b"\n")
    return str(path)


def run_import(app, path):
    return app.test_cli_runner().invoke(args=["forum", "import", str(path)])


def counts() -> dict[str, int]:
    db.session.expire_all()
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, Category, Thread, Post, PostRevision)}


GOOD = [
    # thread t1: lines out of time order, so numbering must follow `created`, not the file
    line(101, created="2019-03-04T12:30:00+01:00", author="Mary Smith",
         body="Yes, for about a week.\n\n- sleep\n- fans"),
    line(100),
    line("102", created="2019-03-05T08:00:00Z", author="tess", body="Thanks @Mary!"),
    line(200, "t2", category="Symptoms & daily life", title="Heat and foot drop", author="Dougie_G",
         created="2020-07-01T09:00:00", body="The heat makes my foot drop worse. https://www.mstrust.org.uk"),
]


def test_good_file_imports_threads_posts_categories_and_authors(app, ctx, tmp_path):
    create_category("Treatments & DMTs")                 # existing category is matched by slug, not duplicated
    result = run_import(app, write(tmp_path, GOOD))

    assert result.exit_code == 0, result.output
    assert "Imported 4 posts in 2 threads (3 new members, 1 new category); 0 already present." in result.output
    assert counts() == {"User": 3, "Category": 2, "Thread": 2, "Post": 4, "PostRevision": 4}

    t1 = db.session.scalar(select(Thread).where(Thread.external_id == "t1"))
    assert (t1.title, t1.slug, t1.category.slug, t1.post_count) == ("Ocrevus and fatigue", "ocrevus-and-fatigue",
                                                                    "treatments-dmts", 3)
    posts = list(db.session.scalars(select(Post).where(Post.thread_id == t1.id).order_by(Post.number)))
    assert [(p.number, p.external_id) for p in posts] == [(1, "100"), (2, "101"), (3, "102")]
    assert str(t1.created_at) == "2019-03-04 10:00:00" and str(t1.last_posted_at) == "2019-03-05 08:00:00"
    assert str(posts[1].created_at) == "2019-03-04 11:30:00"               # +01:00 stored as UTC
    assert t1.author_id == posts[0].author_id
    assert posts[0].body_html == "<p>Anyone <strong>tired</strong> after Ocrevus?</p>"
    assert "<li>sleep</li>" in posts[1].body_html
    assert posts[0].author_id == posts[2].author_id                         # 'Tess' and 'tess' are one member

    revisions = {r.post_id: r for r in db.session.scalars(select(PostRevision))}
    assert all(r.number == 1 and r.body == p.body and r.editor_id == p.author_id
               for p in posts for r in [revisions[p.id]])
    assert revisions[posts[0].id].title == "Ocrevus and fatigue" and revisions[posts[1].id].title is None

    new_category = db.session.scalar(select(Category).where(Category.slug == "symptoms-daily-life"))
    assert new_category.name == "Symptoms & daily life"
    t2 = db.session.scalar(select(Thread).where(Thread.external_id == "t2"))
    assert t2.category_id == new_category.id

    members = list(db.session.scalars(select(User)))
    assert all(USERNAME_RE.match(u.username) for u in members)
    assert all(u.is_imported and u.password_hash is None and u.email is None and not u.can_log_in for u in members)
    mary = db.session.get(User, posts[1].author_id)
    assert mary.username.startswith("Mary_Smith-")
    assert str(mary.created_at) == "2019-03-04 11:30:00"                    # joined = first post in the import


def test_imported_posts_wait_for_the_worker_and_show_on_the_thread_page(app, ctx, client, tmp_path):
    assert run_import(app, write(tmp_path, GOOD)).exit_code == 0
    posts = list(db.session.scalars(select(Post)))
    assert {p.moderation_state for p in posts} == {"pending"}
    assert all(p.search_dirty for p in posts)

    t1 = db.session.scalar(select(Thread).where(Thread.external_id == "t1"))
    html = client.get(f"/t/{t1.id}").get_data(as_text=True)
    assert "Ocrevus and fatigue" in html and "<strong>tired</strong>" in html and "Mary_Smith-" in html


def test_importing_the_same_file_twice_changes_nothing(app, ctx, tmp_path):
    path = write(tmp_path, GOOD)
    assert run_import(app, path).exit_code == 0
    before = counts()
    columns = (Post.external_id, Post.number, Post.thread_id, Post.author_id)
    snapshot = sorted(db.session.execute(select(*columns)).all())

    again = run_import(app, path)

    assert again.exit_code == 0, again.output
    assert "0 new posts" in again.output and "4 already present" in again.output
    assert counts() == before
    after = sorted(db.session.execute(select(*columns)).all())
    assert after == snapshot
    assert db.session.scalar(select(Thread.post_count).where(Thread.external_id == "t1")) == 3


def test_new_posts_for_a_known_thread_are_numbered_after_its_posts(app, ctx, tmp_path):
    assert run_import(app, write(tmp_path, GOOD, "first.jsonl")).exit_code == 0
    later = [*GOOD, line(103, created="2019-03-06T10:00:00Z", author="Newcomer 1", body="Late reply."),
             line(104, created="2019-03-01T10:00:00Z", author="Mary Smith", body="Found an older one.")]

    result = run_import(app, write(tmp_path, later, "second.jsonl"))

    assert result.exit_code == 0, result.output
    assert "Imported 2 posts in 1 thread (1 new member, 0 new categories); 4 already present." in result.output
    t1 = db.session.scalar(select(Thread).where(Thread.external_id == "t1"))
    numbers = dict(db.session.execute(select(Post.external_id, Post.number).where(Post.thread_id == t1.id)).all())
    assert numbers == {"100": 1, "101": 2, "102": 3, "104": 4, "103": 5}
    assert t1.post_count == 5
    assert str(t1.created_at) == "2019-03-01 10:00:00" and str(t1.last_posted_at) == "2019-03-06 10:00:00"
    assert counts()["User"] == 4                     # Mary Smith's account was reused


def test_bad_lines_are_all_named_and_nothing_is_written(app, ctx, tmp_path):
    create_thread(title="A thread from before the import")
    before = counts()
    long_title = "x" * (app.config["MAX_TITLE_LENGTH"] + 1)
    rows = [
        line(1),                                                        # 1 fine
        "{not json",                                                    # 2
        "[1, 2, 3]",                                                    # 3
        {k: v for k, v in line(4).items() if k != "author"},            # 4 missing field
        line(5, created="last Tuesday"),                                # 5 bad date
        line(6, body="   "),                                            # 6 empty body
        line(7, thread_id="t9", title=long_title),                      # 7 title too long
        line(8, body="hidden\u0000byte"),                               # 8 NUL
        line(1, body="same id again"),                                  # 9 duplicate post_id
        line(10, category="Something else"),                            # 10 thread t1 disagrees
        line(11, thread_id=True),                                       # 11 wrong type
        line(12, thread_id="t3", title=""),                             # 12 empty title
        "",                                                             # 13 blank: allowed
        line(14, created="2999-01-01T00:00:00Z"),                       # 14 future
        line("1"),                                                      # 15 "1" and 1 are the same id
        line(16, thread_id=["t1"]),                                     # 16 wrong type
        line(17),                                                       # 17 fine
    ]
    result = run_import(app, write(tmp_path, rows))

    assert result.exit_code != 0
    out = result.output
    assert "nothing was imported" in out
    for number in (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16):
        assert f"line {number}:" in out, f"line {number} not reported:\n{out}"
    for number in (1, 13, 17):
        assert f"line {number}:" not in out
    assert "line 4: missing field 'author'" in out
    assert "line 5: 'created' is not an ISO 8601 date" in out
    assert f"the limit is {app.config['MAX_TITLE_LENGTH']}" in out
    assert "line 9: post_id '1' is already used on line 1" in out
    assert "line 10: thread_id 't1' has category 'Something else' here but 'Treatments & DMTs' on line 1" in out
    assert "NUL" in out and "future" in out
    assert counts() == before


def test_invalid_utf8_is_reported_with_its_line_number(app, ctx, tmp_path):
    bad = json.dumps(line(2, body="caf\u00e9")).encode().replace("caf\\u00e9".encode(), b"caf\xe9")
    result = run_import(app, write(tmp_path, [line(1), bad, line(3)]))

    assert result.exit_code != 0
    assert "line 2: is not valid UTF-8" in result.output
    assert "line 1:" not in result.output and "line 3:" not in result.output
    assert counts()["Post"] == 0


def test_body_size_is_counted_in_bytes_against_the_configured_limit(app, ctx, tmp_path):
    limit = app.config["MAX_BODY_BYTES"]
    just_fits = "é" * (limit // 2)                      # 2 bytes each: exactly at the limit
    too_big = "é" * (limit // 2 + 1)                    # fewer characters than the limit, more bytes
    result = run_import(app, write(tmp_path, [line(1, body=just_fits), line(2, body=too_big)]))

    assert result.exit_code != 0
    assert f"line 2: 'body' is {len(too_big.encode()):,} bytes; the limit is {limit:,} bytes" in result.output
    assert "line 1:" not in result.output
    assert counts()["Post"] == 0


def test_the_listing_is_capped(app, ctx, tmp_path):
    result = run_import(app, write(tmp_path, ["nope"] * 60))

    assert result.exit_code != 0
    assert "60 of 60 lines" in result.output
    assert "line 50:" in result.output and "line 51:" not in result.output
    assert "and 10 more lines with problems" in result.output


def test_an_empty_file_is_an_error(app, ctx, tmp_path):
    result = run_import(app, write(tmp_path, ["", ""]))
    assert result.exit_code != 0 and "contains no posts" in result.output


def test_imported_authors_cannot_log_in(app, ctx, client, tmp_path):
    assert run_import(app, write(tmp_path, GOOD)).exit_code == 0
    for name in ("Tess", "Dougie_G"):
        response = client.post_form("/login", {"login": name, "password": "correct horse battery"})
        assert response.status_code == 400
        assert "do not match an account" in response.get_data(as_text=True)
    assert client.get("/settings").status_code == 302              # still a visitor


def test_an_imported_name_never_takes_over_a_registered_member(app, ctx, tmp_path):
    member = create_user("Tess")
    path = write(tmp_path, GOOD)
    assert run_import(app, path).exit_code == 0

    tess_posts = db.session.scalars(select(Post).where(Post.external_id.in_(["100", "102"]))).all()
    assert {p.author_id for p in tess_posts} != {member.id}
    imported = db.session.get(User, tess_posts[0].author_id)
    assert imported.is_imported and imported.username.startswith("Tess-") and USERNAME_RE.match(imported.username)
    assert db.session.scalar(select(func.count(Post.id)).where(Post.author_id == member.id)) == 0

    more = write(tmp_path, [*GOOD, line(105, created="2019-03-07T10:00:00Z")], "more.jsonl")
    assert run_import(app, more).exit_code == 0                     # the same stand-in account is found again
    assert db.session.scalar(select(Post.author_id).where(Post.external_id == "105")) == imported.id


def test_author_names_map_to_stable_valid_usernames():
    from forum.importer import import_username

    for raw in ("Mary Smith", "Jürgen", "Ирина", "Q", "a" * 80, "  Tess  ", "O'Neill", "x..y", "__", "Ｔｅｓｓ"):
        name = import_username(raw)
        assert USERNAME_RE.match(name), (raw, name)
        assert import_username(raw) == name
    assert import_username("Tess") == "Tess" and import_username("Ｔｅｓｓ") == "Tess"
    assert import_username("Mary Smith") != import_username("Mary_Smith")
    assert import_username("Tess", attempt=1) != import_username("Tess")


def test_a_failure_while_writing_leaves_nothing_behind(app, ctx, tmp_path):
    from contextlib import contextmanager

    from forum import importer

    result = importer.validate_file(write(tmp_path, GOOD))
    assert result.ok

    @contextmanager
    def crashing(label, length):
        class Bar:
            def update(self, n):
                if label == "Writing posts":
                    raise RuntimeError("power cut")
        yield Bar()

    with pytest.raises(RuntimeError, match="power cut"):
        importer.import_rows(result.rows, progress=crashing, batch_size=1)
    assert counts() == {"User": 0, "Category": 0, "Thread": 0, "Post": 0, "PostRevision": 0}


def test_rendering_in_worker_processes_gives_the_same_html(app, ctx, tmp_path):
    from forum import importer
    from forum.markup import render_markdown

    rows = [line(n, f"t{n % 3}", title=f"Thread {n % 3}", body=f"Post **{n}** see https://example.org/{n}")
            for n in range(40)]
    result = importer.validate_file(write(tmp_path, rows))
    summary = importer.import_rows(result.rows, processes=2)

    assert summary.posts == 40
    for body, html in db.session.execute(select(Post.body, Post.body_html)):
        assert html == render_markdown(body)


def test_a_big_file_shows_progress(app, ctx, tmp_path):
    body = "Fatigue diary, week by week.\n\n" + "Slept badly, walked to the shop, rested. " * 4000   # ~170 kB
    rows = [line(n, created=f"2019-03-0{n}T10:00:00Z", body=body) for n in range(1, 8)]   # > 1 MB file
    result = run_import(app, write(tmp_path, rows))

    assert result.exit_code == 0, result.output
    assert "Rendering posts" in result.output and "Writing posts" in result.output
    assert "Imported 7 posts in 1 thread" in result.output


def test_a_post_that_cannot_be_rendered_stops_the_import_by_line(app, ctx, tmp_path, monkeypatch):
    from forum import importer

    real = importer.render_markdown
    monkeypatch.setattr(importer, "render_markdown", lambda body: (_ for _ in ()).throw(RecursionError("too deep"))
                        if "BOOM" in body else real(body))
    result = run_import(app, write(tmp_path, [line(1), line(2, body="BOOM"), line(3)]))

    assert result.exit_code != 0
    assert "nothing was written" in result.output and "line 2" in result.output and "too deep" in result.output
    assert counts()["Post"] == 0
