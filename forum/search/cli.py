"""`flask --app wsgi search ...`: rebuild the index, index flagged posts, check the index."""
from __future__ import annotations

import time

import click
from flask.cli import AppGroup

search_cli = AppGroup("search", help="Search index commands.")


@search_cli.command("reindex")
def reindex() -> None:
    """Rebuild the search index from the database (search keeps answering from the old one meanwhile)."""
    from forum.search import RebuildRunning, backend_name, rebuild_index
    from forum.search.documents import count_posts

    started = time.perf_counter()
    total = count_posts()
    with click.progressbar(length=max(total, 1), label=f"Indexing {total:,} posts ({backend_name()})",
                           show_pos=True, show_eta=True) as bar:
        state = {"done": 0}

        def progress(done: int, _total: int) -> None:
            bar.update(done - state["done"])
            state["done"] = done
        try:
            done = rebuild_index(progress=progress)
        except RebuildRunning as exc:
            raise click.ClickException(str(exc)) from exc
    elapsed = time.perf_counter() - started
    rate = done / elapsed if elapsed > 0 else 0.0
    click.echo(f"Search index rebuilt: {done:,} posts read in {elapsed:.1f} s ({rate:,.0f} posts/s).")


@search_cli.command("sync")
@click.option("--batch-size", default=500, show_default=True)
def sync(batch_size: int) -> None:
    """Index every post flagged search_dirty now (what the worker does in its loop)."""
    from forum.search import sync_dirty_posts

    handled = 0
    while (n := sync_dirty_posts(batch_size)):
        handled += n
    click.echo(f"{handled:,} posts brought up to date in the search index.")


@search_cli.command("check")
def check() -> None:
    """Rebuild the index if it is missing or cannot be read."""
    from forum.search import ensure_index

    click.echo("Search index rebuilt." if ensure_index() else "Search index is fine.")
