"""The forum's commands as an operator runs them."""
import subprocess
import sys

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Category, Post, Thread, User


def test_create_admin_from_environment(app, ctx, monkeypatch):
    monkeypatch.setenv("FORUM_ADMIN_PASSWORD", "a long admin passphrase")
    result = app.test_cli_runner().invoke(args=["forum", "create-admin", "Ana", "ana@example.org"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "Ana"))
    assert user.role == "admin" and user.can_log_in


def test_create_admin_prompts_for_hidden_password(app, ctx, monkeypatch):
    monkeypatch.delenv("FORUM_ADMIN_PASSWORD", raising=False)
    result = app.test_cli_runner().invoke(args=["forum", "create-admin", "Ana", "ana@example.org"],
                                          input="a long admin passphrase\na long admin passphrase\n")
    assert result.exit_code == 0, result.output
    assert "a long admin passphrase" not in result.output


def test_create_admin_refuses_taken_name(app, ctx, monkeypatch):
    monkeypatch.setenv("FORUM_ADMIN_PASSWORD", "a long admin passphrase")
    runner = app.test_cli_runner()
    runner.invoke(args=["forum", "create-admin", "Ana", "ana@example.org"])
    result = runner.invoke(args=["forum", "create-admin", "ANA", "other@example.org"])
    assert result.exit_code != 0 and "taken" in result.output


def test_seed_demo_loads_the_demo_forum_once(app, ctx, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["forum", "seed-demo"])
    assert result.exit_code == 0, result.output
    slugs = set(db.session.scalars(select(Category.slug)))
    assert {"treatments-dmts", "stem-cells-hsct", "symptoms-daily-life", "diet-lifestyle", "research-news",
            "introductions"} <= slugs
    titles = set(db.session.scalars(select(Thread.title)))
    assert "Should I be tested for JC virus on Tecfidera?" in titles
    assert "Hair loss on Tecfidera" in titles
    assert any("neural progenitors" in t for t in titles)
    posts = db.session.scalar(select(func.count(Post.id)))
    again = runner.invoke(args=["forum", "seed-demo"])
    assert again.exit_code == 0 and db.session.scalar(select(func.count(Post.id))) == posts
    assert "Stem cell clinics abroad" in client.get("/c/stem-cells-hsct").get_data(as_text=True)


def test_db_upgrade_builds_schema_on_an_empty_database(tmp_path):
    env = {"FORUM_INSTANCE_DIR": str(tmp_path), "PATH": "", "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    import sqlite3

    tables = {r[0] for r in sqlite3.connect(tmp_path / "forum.sqlite3").execute(
        "select name from sqlite_master where type='table'")}
    assert {"users", "categories", "threads", "posts", "post_revisions", "reactions", "subscriptions",
            "notifications", "moderation_flags"} <= tables


def test_web_app_never_imports_torch_or_transformers():
    code = ("import sys, wsgi; c = wsgi.app.test_client(); c.get('/'); c.get('/latest'); "
            "bad = [m for m in ('torch', 'transformers') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={"FORUM_INSTANCE_DIR": "/tmp/forum-no-torch-check", "PATH": ""})
    assert result.returncode == 0, result.stdout + result.stderr
