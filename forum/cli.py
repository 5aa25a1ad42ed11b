"""`flask --app wsgi forum ...`: create-admin, seed-demo, import."""
from __future__ import annotations

import os

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
