"""Backups and restores of a whole forum: one archive a run, safe to take while the forum is serving.

An archive (forum-backup-YYYYmmddTHHMMSSZ.tar.gz) holds:
  manifest.json        forum version, alembic revision, database kind, user/thread/post counts, created time
  config.json          the non-secret configuration (no key, password, token or connection URL)
  database/...         SQLite: a copy taken with the online backup API (includes what is still in the WAL);
                       PostgreSQL: `pg_dump --format=custom`, in the same snapshot the counts were read from
  models/...           the classifier artifacts from the instance's models/ folder
Never the search index (the worker rebuilds it after a restore) and never SECRET_KEY or instance/secret_key.
The archive is written under a hidden temporary name and renamed when complete, so a crash leaves no
half-written archive that looks like a backup.

restore() refuses a database that already has users, threads or posts; plan() (the dry run) only reads.
"""
from __future__ import annotations

import fcntl
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from forum.extensions import db

log = logging.getLogger(__name__)

PREFIX = "forum-backup-"
SUFFIX = ".tar.gz"
NAME_RE = re.compile(r"^forum-backup-(\d{8}T\d{6}Z)(?:-\d+)?\.tar\.gz$")
STAMP = "%Y%m%dT%H%M%SZ"
FORMAT_VERSION = 1
COUNTED = ("users", "threads", "posts")
SQLITE_MEMBER = "database/forum.sqlite3"
PG_MEMBER = "database/forum.pgdump"
SEARCH_TABLES = ("post_search", "post_search_build")   # PostgreSQL's search index: structure only, no rows
# configuration keys never written to an archive, whatever their value
SECRET_WORDS = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|KEY|SALT|CREDENTIAL|USERNAME|_URI|_URL|DSN|BINDS",
                          re.IGNORECASE)

Progress = Callable[[int, int], None]   # (done, total) pages or steps


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass
class Manifest:
    format: int
    created: str
    forum_version: str
    alembic_revision: str | None
    database: str
    counts: dict[str, int]
    models: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, raw: bytes) -> "Manifest":
        data = json.loads(raw)
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__ if k in data})


@dataclass
class RestorePlan:
    archive: Path
    manifest: Manifest
    target_database: str
    target_counts: dict[str, int]

    def lines(self, done: bool = False) -> list[str]:
        m = self.manifest
        counts = ", ".join(f"{m.counts.get(k, 0):,} {k}" for k in COUNTED)
        return [
            f"Archive: {self.archive.name} (taken {m.created}, forum {m.forum_version}, "
            f"schema {m.alembic_revision or 'unknown'})",
            f"Database: {m.database} -> this forum's {self.target_database} database",
            f"{'Restored' if done else 'Would restore'}: {counts}",
            "Models: " + (", ".join(m.models) if m.models else "none in the archive"),
            "The search index is not in the archive: it is rebuilt after the restore.",
        ]


# --------------------------------------------------------------------------- backup

def create_backup(dest_dir: Path | str | None = None, now: datetime | None = None,
                  progress: Progress | None = None) -> tuple[Path, Manifest]:
    """Write one archive of the forum into dest_dir (default BACKUP_DIR or instance/backups)."""
    dest = Path(dest_dir) if dest_dir else backup_dir()
    dest.mkdir(parents=True, exist_ok=True)
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    instance = Path(current_app.config["FORUM_INSTANCE_DIR"])
    with _lock(dest), tempfile.TemporaryDirectory(prefix=".forum-backup-", dir=dest) as work:
        work_dir = Path(work)
        kind = database_kind()
        if kind == "sqlite":
            member, revision, counts = SQLITE_MEMBER, *_copy_sqlite(work_dir / "db", progress)
        else:
            member, revision, counts = PG_MEMBER, *_dump_postgres(work_dir / "db")
        models = _model_versions(instance / "models")
        manifest = Manifest(FORMAT_VERSION, now.strftime("%Y-%m-%dT%H:%M:%SZ"), forum_version(), revision,
                            kind, counts, models)
        final = _free_name(dest, now)
        partial = dest / f".{final.name}.partial"
        try:
            # members' emails and password hashes are inside: readable by the forum's own user only
            partial.touch(mode=0o600)
            with tarfile.open(partial, "w:gz", compresslevel=3) as tar:
                _add_bytes(tar, "manifest.json", manifest.to_json().encode())
                _add_bytes(tar, "config.json", json.dumps(public_config(), indent=2, sort_keys=True).encode())
                tar.add(work_dir / "db", arcname=member)
                if (instance / "models").is_dir():
                    tar.add(instance / "models", arcname="models", filter=_no_links)
            with open(partial, "rb") as f:
                os.fsync(f.fileno())
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)
    return final, manifest


def backup_dir() -> Path:
    configured = current_app.config.get("BACKUP_DIR")
    return Path(configured) if configured else Path(current_app.config["FORUM_INSTANCE_DIR"]) / "backups"


def database_kind() -> str:
    return "postgresql" if db.engine.dialect.name == "postgresql" else "sqlite"


def forum_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ms-forum")
    except PackageNotFoundError:
        return "unknown"


def public_config() -> dict[str, Any]:
    """Upper-case settings of plain types, minus anything that could be or hold a secret."""
    out: dict[str, Any] = {}
    for key, value in current_app.config.items():
        if not key.isupper() or SECRET_WORDS.search(key):
            continue
        if isinstance(value, (str, int, float, bool)) or value is None:
            out[key] = value
        elif isinstance(value, dict) and all(isinstance(v, (int, float, str)) for v in value.values()):
            out[key] = value
    return out


def _sqlite_path() -> Path:
    path = db.engine.url.database
    if not path or path == ":memory:" or path.startswith("file::memory:"):
        raise BackupError("This forum's SQLite database is in memory: there is no file to back up.")
    return Path(path)


def _copy_sqlite(target: Path, progress: Progress | None) -> tuple[str | None, dict[str, int]]:
    """A consistent copy while others write: sqlite3's online backup copies committed pages, WAL included."""
    source = sqlite3.connect(_sqlite_path(), timeout=30)
    copy = sqlite3.connect(target)
    try:
        def step(_status: int, remaining: int, total: int) -> None:
            if progress:
                progress(total - remaining, total)
        # One step: in WAL mode the copy reads one snapshot while writers go on (they are never blocked).
        # Copying in several steps would restart on every write from another connection, and a busy forum
        # writes more often than a large copy takes.
        source.backup(copy, pages=-1, progress=step)
    finally:
        source.close()
    try:
        return _read_facts(copy)
    finally:
        copy.close()


def _read_facts(conn: sqlite3.Connection) -> tuple[str | None, dict[str, int]]:
    revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in COUNTED}
    return (revision[0] if revision else None), counts


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The SQLAlchemy URL as a libpq URI for pg_dump/pg_restore; the password travels in the environment."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if not found:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools.")
    return found


def _dump_postgres(target: Path) -> tuple[str | None, dict[str, int]]:
    """pg_dump in the snapshot the counts were read from, so the manifest describes exactly the dump."""
    uri, env = _libpq(db.engine.url)
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            schema = conn.execute(text("SELECT current_schema()")).scalar()
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in COUNTED}
            args = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                    f"--snapshot={snapshot}", f"--file={target}"]
            if schema and schema != "public":
                args.append(f"--schema={schema}")
            args += [f"--exclude-table-data={schema}.{t}" for t in SEARCH_TABLES]
            result = subprocess.run([*args, uri], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
    return revision, counts


def _model_versions(models: Path) -> list[str]:
    if not models.is_dir():
        return []
    return sorted(p.name for p in models.iterdir() if p.is_dir() and not p.is_symlink())


def _no_links(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    return info if info.isfile() or info.isdir() else None


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(datetime.now().timestamp()), 0o600
    tar.addfile(info, io.BytesIO(data))


def _free_name(dest: Path, now: datetime) -> Path:
    base = f"{PREFIX}{now.strftime(STAMP)}"
    path, n = dest / f"{base}{SUFFIX}", 1
    while path.exists():
        n += 1
        path = dest / f"{base}-{n}{SUFFIX}"
    return path


@contextmanager
def _lock(dest: Path) -> Iterator[None]:
    """One backup at a time into a folder (the CLI and the worker may both start one)."""
    with open(dest / ".backup.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BackupError(f"Another backup is being written into {dest}; try again when it ends.") from exc
        yield


# --------------------------------------------------------------------------- the archives in a folder

def archives(dest: Path | None = None) -> list[Path]:
    """Complete archives in the folder, oldest first (their names sort by time)."""
    dest = dest or backup_dir()
    if not dest.is_dir():
        return []
    return sorted(p for p in dest.iterdir() if NAME_RE.match(p.name) and p.is_file())


def taken_at(path: Path) -> datetime:
    match = NAME_RE.match(path.name)
    if not match:
        raise ValueError(f"{path.name} is not a forum backup name")
    return datetime.strptime(match.group(1), STAMP)


def last_backup_time(dest: Path | None = None) -> datetime | None:
    found = archives(dest)
    return taken_at(found[-1]) if found else None


def prune(keep: int, dest: Path | None = None) -> list[Path]:
    """Delete all but the `keep` newest archives; returns what was deleted."""
    if keep < 1:
        raise BackupError(f"BACKUP_KEEP must be 1 or more, not {keep}.")
    old = archives(dest)[:-keep]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def run_scheduled_if_due(now: datetime | None = None) -> int:
    """The worker's hook: a backup every BACKUP_EVERY_HOURS (0: never), keeping the BACKUP_KEEP newest."""
    cfg = current_app.config
    hours = cfg.get("BACKUP_EVERY_HOURS") or 0
    if hours <= 0:
        return 0
    now = now or datetime.now(timezone.utc)
    try:
        last = last_backup_time()
        if last is not None and (now.replace(tzinfo=None) - last).total_seconds() < hours * 3600:
            return 0
        path, _ = create_backup(now=now)
        removed = prune(int(cfg.get("BACKUP_KEEP") or 7))
    except Exception:  # noqa: BLE001 - the worker goes on; the next pass tries again, /healthz shows the age
        db.session.rollback()
        log.exception("Scheduled backup failed; will retry")
        return 0
    log.info("Backup written: %s (%d old archives removed)", path, len(removed))
    return 1


# --------------------------------------------------------------------------- restore

def read_manifest(archive: Path) -> Manifest:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            manifest = Manifest.from_json(member.read())
    except (tarfile.TarError, KeyError, OSError, ValueError, TypeError) as exc:
        raise BackupError(f"{archive} is not a readable forum backup ({exc}).") from exc
    if manifest.format != FORMAT_VERSION:
        raise BackupError(f"{archive.name} has backup format {manifest.format}; this forum reads {FORMAT_VERSION}.")
    return manifest


def current_counts() -> dict[str, int]:
    """Rows in users/threads/posts of the configured database (0 for a table that is not there yet)."""
    existing = set(inspect(db.engine).get_table_names())
    with db.engine.connect() as conn:
        return {t: (conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() if t in existing else 0)
                for t in COUNTED}


def plan(archive: Path | str) -> RestorePlan:
    """What a restore would do, after every check a restore makes; changes nothing."""
    archive = Path(archive)
    manifest = read_manifest(archive)
    kind = database_kind()
    if manifest.database != kind:
        raise BackupError(f"{archive.name} holds a {manifest.database} database; this forum is configured "
                          f"for {kind} (DATABASE_URL). Restore it into a forum of the same kind.")
    counts = current_counts()
    if any(counts.values()):
        have = ", ".join(f"{v:,} {k}" for k, v in counts.items() if v)
        raise BackupError(f"Refusing to restore: this forum's database already has {have}. Restore only into "
                          "an empty database (a new DATABASE_URL, or a new FORUM_INSTANCE_DIR for SQLite).")
    return RestorePlan(archive, manifest, kind, counts)


def restore(archive: Path | str, progress: Progress | None = None) -> RestorePlan:
    """Restore an archive into this forum's empty database and instance folder.

    Stop the web processes and the worker first. Afterwards every post is marked for the search
    index and the worker (or `flask search reindex`) rebuilds the index.
    """
    checked = plan(archive)
    instance = Path(current_app.config["FORUM_INSTANCE_DIR"])
    member = SQLITE_MEMBER if checked.target_database == "sqlite" else PG_MEMBER
    with tempfile.TemporaryDirectory(prefix=".forum-restore-", dir=instance) as work, \
            tarfile.open(checked.archive, "r:gz") as tar:
        work_dir = Path(work)
        tar.extractall(work_dir, members=_safe_members(tar, member), filter="data")
        if progress:
            progress(1, 3)
        db.session.remove()
        db.engine.dispose()
        if checked.target_database == "sqlite":
            _restore_sqlite(work_dir / member)
        else:
            _restore_postgres(work_dir / member)
        if progress:
            progress(2, 3)
        if (work_dir / "models").is_dir():
            shutil.copytree(work_dir / "models", instance / "models", dirs_exist_ok=True)
    _mark_search_for_rebuild(instance)
    if progress:
        progress(3, 3)
    return checked


def _safe_members(tar: tarfile.TarFile, database_member: str) -> Iterator[tarfile.TarInfo]:
    for info in tar.getmembers():
        if info.name == database_member or info.name == "models" or info.name.startswith("models/"):
            yield info


def _restore_sqlite(copy: Path) -> None:
    target = _sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(copy, staged)
    with sqlite3.connect(staged) as check:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            staged.unlink(missing_ok=True)
            raise BackupError("The database in the archive is damaged (integrity check failed); nothing changed.")
    for extra in ("-wal", "-shm"):
        Path(f"{target}{extra}").unlink(missing_ok=True)
    os.replace(staged, target)


def _restore_postgres(dump: Path) -> None:
    uri, env = _libpq(db.engine.url)
    args = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--clean", "--if-exists",
            "--single-transaction", "--exit-on-error", f"--dbname={uri}", str(dump)]
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed, nothing was restored: {result.stderr.strip()[:500]}")


def _mark_search_for_rebuild(instance: Path) -> None:
    """The index was not in the archive: every post is queued for it, and an embedded index is dropped."""
    from forum.models import Post

    shutil.rmtree(instance / "search" / "whoosh", ignore_errors=True)
    db.session.execute(Post.__table__.update().values(search_dirty=True))
    db.session.commit()
