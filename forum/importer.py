"""`flask --app wsgi forum import FILE.jsonl`: bring threads and posts over from another forum.

One post per line, a JSON object with thread_id, category, thread_title, post_id, author,
created (ISO 8601) and body (Markdown). The import runs in three steps:

1. validate_file() reads the whole file and returns every problem with its line number; the
   command writes nothing unless the file is clean.
2. The Markdown of the posts that are not in the forum yet is rendered with
   forum.markup.render_markdown (the expensive part, so big files use a small process pool;
   the pool only renders, it never touches the database).
3. import_rows() writes categories, members, threads, posts and revisions with bulk inserts in
   batches, all in one transaction: a crash or an error leaves nothing half-written.

Source ids are kept as Thread.external_id / Post.external_id, so importing the same file twice
changes nothing: posts whose external_id is already present are skipped, and new posts for a
known thread are numbered after its existing posts. Imported posts land as
moderation_state 'pending' with search_dirty set: the worker scores and indexes them later.
No notifications are sent and nobody is subscribed: these are old conversations.

Authors become members that cannot log in until claimed (no password, no email,
is_imported True). Their names are mapped to our username rule by import_username(); an
imported name never takes over a member who registered here (see _resolve_authors).
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import unicodedata
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, ContextManager, Iterable, Iterator

from sqlalchemy import func, insert, select, update

from forum.extensions import db
from forum.markup import render_markdown
from forum.models import Category, Post, PostRevision, Thread, User, utcnow
from forum.text import USERNAME_RE, bad_text_reason, has_invisible, name_key, skeleton, slugify

FIELDS = ("thread_id", "category", "thread_title", "post_id", "author", "created", "body")
ID_FIELDS = ("thread_id", "post_id")
MAX_ID_LENGTH = 120          # Thread.external_id / Post.external_id
MAX_CATEGORY_LENGTH = 80     # Category.name / Category.slug
MAX_AUTHOR_LENGTH = 200      # mapped to at most 30 characters anyway; this only stops garbage
FUTURE_TOLERANCE = timedelta(days=1)
BATCH_SIZE = 2000            # rows per bulk insert
RENDER_CHUNK = 250           # posts per task sent to a rendering process
POOL_THRESHOLD = 2000        # fewer new posts than this render in-process: a pool would cost more
LOOKUP_CHUNK = 900           # ids per IN (...) lookup, well under SQLite's bound-parameter limit

# A progress factory is called as progress(label, length) and returns a context manager whose
# value has .update(n); click.progressbar fits, so the command passes it straight in.
Progress = Callable[..., ContextManager[Any]]


@dataclass(slots=True)
class Row:
    """One valid line of the file, normalised."""

    line: int
    thread_id: str
    category: str
    title: str
    post_id: str
    author: str
    created: datetime
    body: str
    html: str = ""


@dataclass
class Validation:
    rows: list[Row]
    problems: list[tuple[int, str]]   # (line number, what is wrong), in line order
    lines: int                        # lines read, blank ones included

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    def report(self, limit: int = 50) -> list[str]:
        """The problems as lines for a person, one per bad line, capped at `limit` lines."""
        by_line: dict[int, list[str]] = defaultdict(list)
        for number, message in self.problems:
            by_line[number].append(message)
        if not by_line:
            return ["The file contains no posts."] if not self.rows else []
        out = [f"line {number}: " + "; ".join(messages) for number, messages in sorted(by_line.items())[:limit]]
        if len(by_line) > limit:
            out.append(f"... and {len(by_line) - limit} more lines with problems.")
        return out

    @property
    def bad_lines(self) -> int:
        return len({number for number, _ in self.problems})


@dataclass
class ImportSummary:
    posts: int = 0            # posts written
    threads: int = 0          # threads that received them (new or existing)
    new_threads: int = 0
    new_members: int = 0
    new_categories: int = 0
    already_present: int = 0  # posts skipped because their post_id was imported before

    def line(self) -> str:
        return (f"Imported {_n(self.posts, 'post')} in {_n(self.threads, 'thread')} "
                f"({_n(self.new_members, 'new member')}, {_n(self.new_categories, 'new category', 'new categories')}); "
                f"{self.already_present:,} already present.")


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


class ImportFailed(RuntimeError):
    """The import could not be written; the transaction was rolled back."""


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------

def validate_file(path: str | Path, *, max_title_length: int | None = None, max_body_bytes: int | None = None,
                  progress: Progress | None = None) -> Validation:
    """Read and check every line; never touches the database.

    Limits default to the app's MAX_TITLE_LENGTH / MAX_BODY_BYTES. Each line is decoded on its
    own so invalid UTF-8 is reported with its line number. Cross-line rules: a post_id appears
    once, and every line of a thread_id agrees on category and title.
    """
    if max_title_length is None or max_body_bytes is None:
        from flask import current_app

        max_title_length = max_title_length or current_app.config["MAX_TITLE_LENGTH"]
        max_body_bytes = max_body_bytes or current_app.config["MAX_BODY_BYTES"]
    path = Path(path)
    now = utcnow()
    rows: list[Row] = []
    problems: list[tuple[int, str]] = []
    post_lines: dict[str, int] = {}
    threads: dict[str, dict[str, tuple[str, int]]] = {}   # thread_id -> field -> (value, first line)
    number = 0
    with (progress or _no_progress)("Checking the file", path.stat().st_size) as bar, path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            bar.update(len(raw))
            values, line_problems = _check_line(number, raw, max_title_length, max_body_bytes, now)
            problems.extend((number, message) for message in line_problems)
            # Cross-line rules use whatever fields of the line are valid, so one pass finds everything.
            if "post_id" in values:
                first = post_lines.setdefault(values["post_id"], number)
                if first != number:
                    problems.append((number, f"post_id {_show(values['post_id'])} is already used on line {first}"))
            if "thread_id" in values:
                seen = threads.setdefault(values["thread_id"], {})
                for name in ("category", "thread_title"):
                    if name not in values:
                        continue
                    value, line = seen.setdefault(name, (values[name], number))
                    if value != values[name]:
                        problems.append((number, f"thread_id {_show(values['thread_id'])} has {name} "
                                                 f"{_show(values[name])} here but {_show(value)} on line {line}"))
            if not line_problems and values:
                rows.append(Row(line=number, thread_id=values["thread_id"], category=values["category"],
                                title=values["thread_title"], post_id=values["post_id"], author=values["author"],
                                created=values["created"], body=values["body"]))
    problems.sort(key=lambda p: p[0])
    return Validation(rows=rows if not problems else [], problems=problems, lines=number)


def _check_line(number: int, raw: bytes, max_title: int, max_body: int, now: datetime) -> tuple[dict, list[str]]:
    """The line's valid fields (normalised) and its problems; a blank line gives ({}, [])."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return {}, [f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at byte {exc.start + 1} of the line)"]
    if number == 1:
        text = text.removeprefix("\ufeff")
    if not text.strip():
        return {}, []            # blank lines (a trailing newline, spacing) are allowed
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return {}, [f"is not valid JSON ({exc.msg} at column {exc.colno})"]
    if not isinstance(data, dict):
        return {}, [f"is JSON but not an object (found {_json_type(data)})"]

    problems: list[str] = []
    values: dict[str, Any] = {}
    for name in FIELDS:
        if name not in data:
            problems.append(f"missing field {name!r}")
            continue
        if data[name] is None:
            problems.append(f"{name!r} is null")
            continue
        value = data[name]
        if name in ID_FIELDS:
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                problems.append(f"{name!r} must be a string or an integer, not {_json_type(value)}")
                continue
            value = str(value).strip()
            if not value:
                problems.append(f"{name!r} is empty")
                continue
            if len(value) > MAX_ID_LENGTH:
                problems.append(f"{name!r} is {len(value)} characters long; the limit is {MAX_ID_LENGTH}")
                continue
        elif not isinstance(value, str):
            problems.append(f"{name!r} must be a string, not {_json_type(value)}")
            continue
        if reason := _bad_text(value):
            problems.append(f"{name!r} {reason}")
            continue
        values[name] = value
    if "created" in values:
        created = _parse_created(values.pop("created"), now)
        if isinstance(created, str):
            problems.append(created)
        else:
            values["created"] = created
    checks = (
        ("category", lambda v: " ".join(v.split()), MAX_CATEGORY_LENGTH),
        ("thread_title", lambda v: " ".join(v.split()), max_title),
        ("author", str.strip, MAX_AUTHOR_LENGTH),
    )
    for name, normalise, limit in checks:
        if name in values:
            value = normalise(values.pop(name))
            if not value:
                problems.append(f"{name!r} is empty")
            elif len(value) > limit:
                problems.append(f"{name!r} is {len(value)} characters long; the limit is {limit}")
            else:
                values[name] = value
    if "body" in values:
        body = values.pop("body").replace("\r\n", "\n")
        size = len(body.encode("utf-8"))
        if not body.strip():
            problems.append("'body' is empty")
        elif size > max_body:
            problems.append(f"'body' is {size:,} bytes; the limit is {max_body:,} bytes")
        else:
            values["body"] = body
    return values, problems


def _bad_text(value: str) -> str | None:
    """The forum's own text rule (no NUL, no U+FFFD), plus text that cannot be stored as UTF-8."""
    if reason := bad_text_reason(value):
        return reason.rstrip(".")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an unpaired surrogate escape (\\ud800-\\udfff), which is not valid text"
    return None


def _parse_created(value: str, now: datetime) -> datetime | str:
    try:
        created = datetime.fromisoformat(value.strip())
        if created.tzinfo is not None:
            created = created.astimezone(timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return f"'created' is not an ISO 8601 date and time: {_show(value)}"
    if created > now + FUTURE_TOLERANCE:
        return f"'created' is in the future: {_show(value)}"
    return created


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _show(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "...")


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------

def import_username(raw: str, attempt: int = 0) -> str:
    """Map an author name from another forum to a valid username, deterministically.

    A name that already fits USERNAME_RE is kept (after NFKC, so fullwidth letters fold). Any
    other name is cleaned to ASCII letters, digits, '_', '.', '-' and gets a short suffix from
    a hash of its name_key, so two names that clean to the same text stay apart while the
    same name always maps to the same account ('Mary Smith' -> 'Mary_Smith-3fa9c1').
    `attempt` > 0 gives alternatives, used when the plain name belongs to a member who
    registered here.
    """
    name = unicodedata.normalize("NFKC", raw).strip()
    if attempt == 0 and USERNAME_RE.match(name) and not has_invisible(name):
        return name
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", ascii_name)
    base = re.sub(r"[_.-]{2,}", lambda m: m.group(0)[0], base).strip("_.-")[:23].rstrip("_.-")
    salt = name_key(name) if attempt == 0 else f"{name_key(name)}#{attempt}"
    digest = hashlib.sha1(salt.encode("utf-8")).hexdigest()[:6]
    return f"{base or 'member'}-{digest}"


def category_slug(name: str) -> str:
    """slugify(), but a name with no ASCII letters gets a stable slug of its own, not 'thread'."""
    slug = slugify(name, MAX_CATEGORY_LENGTH)
    if slug == "thread" and slugify(name + " x", MAX_CATEGORY_LENGTH) == "x":
        slug = "category-" + hashlib.sha1(name_key(name).encode("utf-8")).hexdigest()[:8]
    return slug


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------

def import_rows(rows: list[Row], *, progress: Progress | None = None, processes: int | None = None,
                batch_size: int = BATCH_SIZE) -> ImportSummary:
    """Write validated rows in one transaction; rows whose post_id is already imported are skipped.

    Rendering happens before the transaction starts, so on SQLite the write lock is held only
    for the inserts themselves.
    """
    progress = progress or _no_progress
    with db.engine.connect() as conn:      # a short read, outside the session's transaction
        present = _existing(conn, Post.external_id, [r.post_id for r in rows])
    new_rows = [r for r in rows if r.post_id not in present]
    _render(new_rows, progress, processes)
    try:
        summary = _write(new_rows, progress, batch_size)
        summary.already_present += len(rows) - len(new_rows)
        db.session.commit()
    except BaseException:        # an error, Ctrl-C: nothing of this import stays
        db.session.rollback()
        raise
    return summary


def _existing(conn_or_session, column, values: Iterable[str]) -> set[str]:
    values = list(dict.fromkeys(values))
    found: set[str] = set()
    for start in range(0, len(values), LOOKUP_CHUNK):
        found.update(conn_or_session.scalars(select(column).where(column.in_(values[start:start + LOOKUP_CHUNK]))))
    return found


def _render(rows: list[Row], progress: Progress, processes: int | None) -> None:
    if not rows:
        return
    if processes is None:
        processes = min(2, os.cpu_count() or 1) if len(rows) >= POOL_THRESHOLD else 1
    if "fork" not in multiprocessing.get_all_start_methods():
        processes = 1
    chunks = [rows[i:i + RENDER_CHUNK] for i in range(0, len(rows), RENDER_CHUNK)]
    with progress("Rendering posts", len(rows)) as bar:
        if processes <= 1:
            results = map(_render_bodies, ([r.body for r in c] for c in chunks))
            _collect(chunks, results, bar)
            return
        # fork: the workers start at once and need nothing re-imported; they only run
        # render_markdown on the bodies they are sent and never touch the inherited database
        # connections (pool workers leave through os._exit, so nothing is closed for the parent).
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            _collect(chunks, pool.imap(_render_bodies, ([r.body for r in c] for c in chunks)), bar)


def _collect(chunks: list[list[Row]], results: Iterable[list[tuple[bool, str]]], bar: Any) -> None:
    for chunk, rendered in zip(chunks, results):
        for row, (ok, html) in zip(chunk, rendered):
            if not ok:
                raise ImportFailed(f"line {row.line}: the Markdown could not be rendered ({html}).")
            row.html = html
        bar.update(len(chunk))


def _render_bodies(bodies: list[str]) -> list[tuple[bool, str]]:
    """(True, html) per body, or (False, reason): one odd post must not kill a worker silently."""
    out = []
    for body in bodies:
        try:
            out.append((True, render_markdown(body)))
        except Exception as exc:  # noqa: BLE001 - reported with its line number by _collect
            out.append((False, f"{type(exc).__name__}: {exc}"[:200]))
    return out


def _write(rows: list[Row], progress: Progress, batch_size: int) -> ImportSummary:
    session = db.session
    summary = ImportSummary()
    # Look again inside the transaction: another import may have landed since the first look.
    present = _existing(session, Post.external_id, [r.post_id for r in rows])
    if present:
        summary.already_present += len(present)
        rows = [r for r in rows if r.post_id not in present]
    if not rows:
        return summary

    by_thread: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_thread[row.thread_id].append(row)
    for posts in by_thread.values():
        posts.sort(key=lambda r: (r.created, r.line))

    threads = _existing_threads(session, list(by_thread))
    new_thread_ids = [tid for tid in by_thread if tid not in threads]
    categories, summary.new_categories = _resolve_categories(
        session, [by_thread[tid][0].category for tid in new_thread_ids])
    authors, summary.new_members = _resolve_authors(session, rows)

    with progress("Writing posts", len(rows) + len(new_thread_ids)) as bar:
        for start in range(0, len(new_thread_ids), batch_size):
            batch = new_thread_ids[start:start + batch_size]
            values = []
            for tid in batch:
                posts = by_thread[tid]
                values.append({
                    "external_id": tid, "category_id": categories[category_slug(posts[0].category)],
                    "author_id": authors[posts[0].author], "title": posts[0].title,
                    "slug": slugify(posts[0].title, 80), "created_at": posts[0].created,
                    "last_posted_at": posts[-1].created, "post_count": len(posts),
                    "pinned": False, "locked": False,
                })
            inserted = session.execute(insert(Thread).returning(Thread.id, Thread.external_id), values)
            for thread_id, external_id in inserted:
                threads[external_id] = _ThreadState(thread_id, 0, None, None, new=True)
            bar.update(len(batch))

        updates = []
        for tid, posts in by_thread.items():
            state = threads[tid]
            if not state.new:
                updates.append({
                    "id": state.id, "post_count": state.post_count + len(posts),
                    "created_at": min(state.created_at, posts[0].created),
                    "last_posted_at": max(state.last_posted_at, posts[-1].created),
                })
        if updates:
            session.execute(update(Thread), updates)

        ordered: list[tuple[Row, int, int]] = []      # (row, thread id, number in thread)
        for tid, posts in by_thread.items():
            state = threads[tid]
            ordered.extend((row, state.id, state.last_number + n) for n, row in enumerate(posts, start=1))
        ordered.sort(key=lambda item: (item[0].created, item[0].line))   # ids follow time across threads
        for start in range(0, len(ordered), batch_size):
            batch = ordered[start:start + batch_size]
            post_values = [{
                "thread_id": thread_id, "author_id": authors[row.author], "number": number, "body": row.body,
                "body_html": row.html, "created_at": row.created, "revision_count": 1,
                "moderation_state": "pending", "search_dirty": True, "external_id": row.post_id,
            } for row, thread_id, number in batch]
            ids = dict((external_id, post_id) for post_id, external_id in
                       session.execute(insert(Post).returning(Post.id, Post.external_id), post_values))
            # The table, not the ORM entity: ORM bulk inserts regroup rows by which values are None
            # (title is set on first posts only), which splits a batch into many small statements.
            session.execute(insert(PostRevision.__table__), [{
                "post_id": ids[row.post_id], "number": 1, "body": row.body, "body_html": row.html,
                "title": row.title if number == 1 else None, "editor_id": authors[row.author],
                "created_at": row.created,
            } for row, _, number in batch])
            bar.update(len(batch))

    summary.posts = len(rows)
    summary.threads = len(by_thread)
    summary.new_threads = len(new_thread_ids)
    return summary


@dataclass
class _ThreadState:
    id: int
    last_number: int
    created_at: datetime | None
    last_posted_at: datetime | None
    post_count: int = 0
    new: bool = False


def _existing_threads(session, external_ids: list[str]) -> dict[str, _ThreadState]:
    found: dict[str, _ThreadState] = {}
    for start in range(0, len(external_ids), LOOKUP_CHUNK):
        chunk = external_ids[start:start + LOOKUP_CHUNK]
        for tid, external_id, created_at, last_posted_at, post_count in session.execute(
            select(Thread.id, Thread.external_id, Thread.created_at, Thread.last_posted_at, Thread.post_count)
            .where(Thread.external_id.in_(chunk))
        ):
            found[external_id] = _ThreadState(tid, 0, created_at, last_posted_at, post_count)
    by_id = {state.id: state for state in found.values()}
    ids = list(by_id)
    for start in range(0, len(ids), LOOKUP_CHUNK):
        for tid, last in session.execute(
            select(Post.thread_id, func.max(Post.number)).where(Post.thread_id.in_(ids[start:start + LOOKUP_CHUNK]))
            .group_by(Post.thread_id)
        ):
            by_id[tid].last_number = last or 0
    for state in found.values():
        state.last_number = max(state.last_number, state.post_count)
    return found


def _resolve_categories(session, names: list[str]) -> tuple[dict[str, int], int]:
    """Category id by slug; new categories keep the first name seen and go after existing ones."""
    wanted: dict[str, str] = {}
    for name in names:
        wanted.setdefault(category_slug(name), name)
    ids: dict[str, int] = {}
    slugs = list(wanted)
    for start in range(0, len(slugs), LOOKUP_CHUNK):
        ids.update(session.execute(select(Category.slug, Category.id)
                                   .where(Category.slug.in_(slugs[start:start + LOOKUP_CHUNK]))).all())
    missing = [slug for slug in slugs if slug not in ids]
    if missing:
        position = (session.scalar(select(func.max(Category.position))) or 0) + 1
        now = utcnow()
        rows = session.execute(insert(Category).returning(Category.slug, Category.id), [
            {"name": wanted[slug], "slug": slug, "description": "", "position": position + i, "created_at": now}
            for i, slug in enumerate(missing)
        ]).all()
        ids.update(rows)
    return ids, len(missing)


def _resolve_authors(session, rows: list[Row]) -> tuple[dict[str, int], int]:
    """User id for every raw author name in rows; creates the imported members that are missing.

    Raw names whose mapped usernames share a name_key are one member (as for registration).
    An existing account is reused only when it came from an import: an old forum's 'Tess' must
    not put words in the mouth of the 'Tess' who registered here, so that name maps to the
    hashed alternative instead (stable, so a re-import finds the same account).
    """
    first_seen: dict[str, datetime] = {}
    for row in rows:
        if row.author not in first_seen or row.created < first_seen[row.author]:
            first_seen[row.author] = row.created
    names = sorted(first_seen, key=lambda n: (first_seen[n], n))
    ids: dict[str, int] = {}
    pending = {name: 0 for name in names}          # raw name -> attempt
    created = 0
    while pending:
        mapped = {raw: import_username(raw, attempt) for raw, attempt in pending.items()}
        keys = list({name_key(m) for m in mapped.values()})
        accounts: dict[str, tuple[int, bool]] = {}
        for start in range(0, len(keys), LOOKUP_CHUNK):
            for uid, key, imported in session.execute(
                select(User.id, User.username_key, User.is_imported)
                .where(User.username_key.in_(keys[start:start + LOOKUP_CHUNK]))
            ):
                accounts[key] = (uid, imported)
        retry: dict[str, int] = {}
        new_users: dict[str, dict] = {}
        for raw in pending:
            username = mapped[raw]
            key = name_key(username)
            if key in accounts:
                uid, imported = accounts[key]
                if imported:
                    ids[raw] = uid
                elif pending[raw] < 20:
                    retry[raw] = pending[raw] + 1
                else:
                    raise ImportFailed(f"No free username for author {raw!r}.")
            elif key not in new_users:
                new_users[key] = {"username": username, "username_key": key, "username_skeleton": skeleton(username),
                                  "email": None, "email_key": None,
                                  "password_hash": None, "role": "member", "bio": "", "is_imported": True,
                                  "created_at": first_seen[raw], "session_version": 1}
        if new_users:
            inserted = dict(session.execute(insert(User).returning(User.username_key, User.id),
                                            list(new_users.values())).all())
            created += len(inserted)
            for raw in pending:
                key = name_key(mapped[raw])
                if raw not in retry and raw not in ids:
                    ids[raw] = inserted[key]
        pending = retry
    return ids, created


@contextmanager
def _null_bar(label: str = "", length: int = 0) -> Iterator[Any]:
    class _Bar:
        def update(self, n: int) -> None:
            pass

    yield _Bar()


def _no_progress(label: str, length: int) -> ContextManager[Any]:
    return _null_bar(label, length)


__all__ = ["validate_file", "import_rows", "import_username", "category_slug",
           "Validation", "ImportSummary", "ImportFailed", "Row"]
