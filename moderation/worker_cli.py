"""`flask --app wsgi moderation worker | backfill | ensure-model | seed-known`: the commands around the worker."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from moderation.cli import moderation_cli


@moderation_cli.command("worker")
@click.option("--once", is_flag=True, help="Process everything pending, then exit.")
def worker_command(once: bool) -> None:
    """Score pending posts and keep the search index up to date."""
    from moderation import pipeline, worker

    state = worker.run(once=once, echo=click.echo)
    if once:
        left = pipeline.pending_count()
        click.echo(f"Scored {state.stats['scored']} posts, indexed {state.stats['indexed']}; {left} still pending.")
        if state.classifier is None and left:
            raise click.ClickException(f"No classifier model: {state.model_error}")


@moderation_cli.command("backfill")
def backfill_command() -> None:
    """Queue every existing post for the classifier (the worker scores them)."""
    from forum.extensions import db
    from forum.models import Post
    from moderation import pipeline
    from sqlalchemy import func, select

    total = db.session.scalar(select(func.count(Post.id))) or 0
    with click.progressbar(length=total, label="Queueing posts") as bar:
        queued = pipeline.queue_all_posts(progress=bar)
    click.echo(f"{queued} posts queued; the worker will score them.")


@moderation_cli.command("ensure-model")
def ensure_model_command() -> None:
    """Install the shipped classifier unless a usable model is already in the instance folder."""
    from moderation.classifier import ModelUnavailable, load_classifier
    from moderation.classifier.shipped import install_shipped

    instance = Path(current_app.config["FORUM_INSTANCE_DIR"])
    try:
        model = load_classifier(instance)
    except ModelUnavailable as exc:
        click.echo(f"No usable classifier ({exc}); installing the one shipped with the code.")
    else:
        click.echo(f"Classifier {model.version} is ready.")
        return
    try:
        version = install_shipped(instance)
        load_classifier(instance)
    except ModelUnavailable as exc:
        raise click.ClickException(f"the shipped classifier cannot be used ({exc}); train one with "
                                   "`flask --app wsgi moderation train`") from exc
    click.echo(f"Classifier {version} installed (retrain with `flask --app wsgi moderation train`).")


@moderation_cli.command("seed-known")
def seed_known_command() -> None:
    """Add the shipped known false claims and clinic domains to the known lists (only what is missing)."""
    from sqlalchemy.exc import SQLAlchemyError

    from forum.extensions import db
    from moderation import known

    try:
        result = known.seed()
    except (known.KnownListError, SQLAlchemyError, OSError, ValueError, KeyError) as exc:
        db.session.rollback()
        raise click.ClickException(f"The known lists were not seeded, nothing was written: {exc}") from exc
    click.echo(result.line())
