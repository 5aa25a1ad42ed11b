"""The MS patient forum: create_app() wires extensions, blueprints, CLI groups and error pages."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import BASE_DIR, load_config
from forum.extensions import csrf, db, limiter, login_manager, migrate

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def create_app(config_name: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    config = load_config(config_name)
    app = Flask(
        __name__,
        instance_path=config.FORUM_INSTANCE_DIR,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
    )
    app.config.from_object(config)
    if overrides:
        app.config.update(overrides)
    Path(app.config["FORUM_INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)
    _trust_proxies(app)
    _init_extensions(app)
    from forum import web

    web.init_converters(app)
    _register_blueprints(app)
    _register_cli(app)
    web.init_app(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind FORUM_PROXY_HOPS reverse proxies the client's address is in X-Forwarded-For (rate limits,
    login records); with 0 (the default) forwarded headers are ignored, since anyone can send them."""
    hops = app.config.get("FORUM_PROXY_HOPS", 0)
    if not isinstance(hops, int) or hops < 0:
        raise RuntimeError(f"FORUM_PROXY_HOPS must be a whole number of proxies, 0 or more, not {hops!r}")
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    csrf.init_app(app)
    if app.config.get("REDIS_URL"):  # shared by every web process; memory would count per process
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.session_protection = "basic"
    import forum.models  # noqa: F401  (register tables)
    import moderation.models  # noqa: F401
    import forum.comfort.models  # noqa: F401
    import forum.privacy.models  # noqa: F401

    from forum.accounts.loader import load_user

    login_manager.user_loader(load_user)


def _register_blueprints(app: Flask) -> None:
    from forum.accounts.routes import bp as accounts_bp
    from forum.admin.routes import bp as admin_bp
    from forum.boards.routes import bp as boards_bp
    from forum.notifications_routes import bp as notifications_bp
    from forum.search.routes import bp as search_bp

    for bp in (accounts_bp, boards_bp, notifications_bp, admin_bp, search_bp):
        app.register_blueprint(bp)
    from moderation.routes import bp as moderation_bp; app.register_blueprint(moderation_bp)  # noqa: E702
    from moderation.least_sure_routes import bp as least_sure_bp; app.register_blueprint(least_sure_bp)  # noqa: E702
    from forum.comfort.routes import bp as comfort_bp; app.register_blueprint(comfort_bp)  # noqa: E702
    from forum.privacy.routes import bp as privacy_bp; app.register_blueprint(privacy_bp)  # noqa: E702
    from forum.admin.category_routes import bp as categories_bp; app.register_blueprint(categories_bp)  # noqa: E702
    from moderation.thread_tools_routes import bp as thread_tools_bp; app.register_blueprint(thread_tools_bp)  # noqa: E702
    from forum import metrics
    from forum.ops_routes import bp as ops_bp

    metrics.init_app(app)
    app.register_blueprint(ops_bp)
    from moderation.metrics import register as moderation_metrics; moderation_metrics(app)  # noqa: E702


def _register_cli(app: Flask) -> None:
    from forum.cli import forum_cli
    from forum.search.cli import search_cli
    from moderation.cli import moderation_cli
    import moderation.worker_cli  # noqa: F401  (adds worker, backfill, ensure-model)

    app.cli.add_command(forum_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(moderation_cli)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL, foreign keys and a busy timeout on every SQLite connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
