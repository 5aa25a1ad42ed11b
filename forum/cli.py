"""`flask --app wsgi forum ...`: create-admin, seed-demo, import."""
from __future__ import annotations

import os
import sys

import click
from flask.cli import AppGroup

from forum.extensions import db

forum_cli = AppGroup("forum", help="Forum administration commands.")


@forum_cli.command("create-admin")
@click.argument("name")
@click.argument("email")
def create_admin(name: str, email: str) -> None:
    """Make an admin account NAME with EMAIL (password from FORUM_ADMIN_PASSWORD, else a hidden prompt)."""
    from forum.accounts import service

    password = os.environ.get("FORUM_ADMIN_PASSWORD") or click.prompt(
        "Password for the admin", hide_input=True, confirmation_prompt=True)
    try:
        user = service.register(name, email, password, role="admin")
    except service.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Admin {user.username} created.")


@forum_cli.command("seed-demo")
def seed_demo() -> None:
    """Load the demo forum (once: does nothing if categories already exist)."""
    from forum.demo import demo_loaded, load_demo

    if demo_loaded():
        click.echo("The forum already has categories; demo not loaded again.")
        return
    counts = load_demo()
    click.echo("Demo forum loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()) + ".")


@forum_cli.command("import")
@click.argument("path", metavar="FILE.jsonl", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--processes", type=click.IntRange(min=1), default=None,
              help="Processes rendering Markdown (default: 2 for big files, else 1).")
def import_posts(path: str, processes: int | None) -> None:
    """Import threads and posts from another forum: one JSON object per line.

    The whole file is checked first; if any line is bad, every bad line is listed and nothing
    is written. Posts already imported (same post_id) are skipped, so a re-run is safe.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from forum import importer

    progress = None
    if os.path.getsize(path) >= 1_000_000:   # small files finish before a bar would say anything
        def progress(label: str, length: int):
            return click.progressbar(length=length, label=label, file=sys.stderr)

    result = importer.validate_file(path, progress=progress)
    if not result.ok:
        head = (f"{result.bad_lines} of {result.lines} lines in {path} have problems; nothing was imported:"
                if result.problems else f"Nothing was imported from {path}:")
        raise click.ClickException("\n".join([head, *("  " + line for line in result.report())]))
    try:
        summary = importer.import_rows(result.rows, progress=progress, processes=processes)
    except (SQLAlchemyError, importer.ImportFailed) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:300]
        raise click.ClickException(f"The import failed and nothing was written: {reason}") from exc
    if summary.posts == 0:
        click.echo(f"0 new posts: every post in {path} is already in the forum.")
    click.echo(summary.line())


@forum_cli.command("purge")
def purge() -> None:
    """Apply every retention rule now (the worker does it daily) and print what each removed."""
    from forum.privacy import retention

    try:
        report = retention.purge(source="cli")
    except ValueError as exc:  # a retention setting that makes no sense
        raise click.ClickException(str(exc)) from exc
    for line in report.lines():
        click.echo(line)
    click.echo(f"Retention purge done: {report.total} removed in all.")


@forum_cli.command("backup")
@click.option("--to", "dest", type=click.Path(file_okay=False, writable=True), default=None,
              help="Folder for the archive (default BACKUP_DIR, else instance/backups).")
def backup_command(dest: str | None) -> None:
    """Write one archive of the database, the models and the non-secret settings (safe while serving)."""
    from pathlib import Path

    from forum import backup

    with click.progressbar(length=100, label="Copying the database", file=sys.stderr) as bar:
        state = {"shown": 0}

        def progress(done: int, total: int) -> None:
            step = int(100 * done / total) if total else 100
            bar.update(step - state["shown"])
            state["shown"] = step
        try:
            path, manifest = backup.create_backup(Path(dest) if dest else None, progress=progress)
        except (backup.BackupError, OSError) as exc:
            raise click.ClickException(f"No backup was written: {exc}") from exc
        progress(1, 1)
    counts = ", ".join(f"{manifest.counts[k]:,} {k}" for k in backup.COUNTED)
    click.echo(f"Backup written: {path} ({path.stat().st_size / 1e6:,.1f} MB; {manifest.database}, {counts}).")


@forum_cli.command("restore")
@click.argument("archive", metavar="FILE", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--dry-run", is_flag=True, help="Check the archive and say what would be restored; change nothing.")
def restore_command(archive: str, dry_run: bool) -> None:
    """Restore a backup archive into this forum's EMPTY database (stop the web server and worker first)."""
    from forum import backup

    try:
        plan = backup.plan(archive)   # every check first: a refusal changes nothing and shows no progress
        if not dry_run:
            with click.progressbar(length=3, label="Restoring", file=sys.stderr) as bar:
                plan = backup.restore(archive, progress=lambda done, _total: bar.update(done - bar.pos))
    except (backup.BackupError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    for line in plan.lines(done=not dry_run):
        click.echo(line)
    if dry_run:
        click.echo("Dry run: nothing was changed.")
    else:
        click.echo("Restored. Run `flask --app wsgi db upgrade` if this code is newer than the archive, then "
                   "start the worker: it rebuilds the search index (or run `flask --app wsgi search reindex`).")
