"""No constant key ever signs a served session (audit finding 1, high)."""
from __future__ import annotations

import stat

import pytest
from flask import Flask

import config


@pytest.fixture
def dev_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(config.Config, "FORUM_INSTANCE_DIR", str(tmp_path))
    return tmp_path


def test_development_generates_a_private_random_key_once_and_reuses_it(dev_instance):
    first = config.load_config("development").SECRET_KEY
    key_file = dev_instance / config.SECRET_KEY_FILENAME
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first != config.DEV_SECRET and len(first) >= 32
    assert config.load_config("development").SECRET_KEY == first


def test_two_instance_folders_get_different_keys(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    keys = set()
    for name in ("a", "b"):
        monkeypatch.setattr(config.Config, "FORUM_INSTANCE_DIR", str(tmp_path / name))
        keys.add(config.load_config("development").SECRET_KEY)
    assert len(keys) == 2


def test_an_empty_key_file_is_a_clear_error(dev_instance):
    (dev_instance / config.SECRET_KEY_FILENAME).write_text("")
    with pytest.raises(config.InsecureSecretKey, match="empty"):
        config.load_config("development")


@pytest.mark.parametrize("key", ["", "x", "dev-only-not-secret", "changeme", "short-but-random-Zq81"])
def test_production_refuses_missing_short_or_default_keys(monkeypatch, key):
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(config.InsecureSecretKey, match="SECRET_KEY"):
        config.load_config("production")


def test_production_accepts_a_long_random_key_and_never_writes_one(tmp_path, monkeypatch):
    monkeypatch.setattr(config.Config, "FORUM_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "k" * 8 + "Vq3-9xYwPz0LmN4rT7uB2cE5gH8jK1sD")
    assert config.load_config("production").SECRET_KEY.endswith("jK1sD")
    assert not (tmp_path / config.SECRET_KEY_FILENAME).exists()


def test_development_refuses_a_known_default_from_the_environment(dev_instance, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", config.DEV_SECRET)
    with pytest.raises(config.InsecureSecretKey, match="default"):
        config.load_config("development")


def forged_session_cookie(secret: str, session_id: str) -> str:
    signer = Flask("forger")
    signer.secret_key = secret
    return signer.session_interface.get_signing_serializer(signer).dumps({"_user_id": session_id, "_fresh": True})


def test_a_cookie_signed_with_the_old_constant_key_does_not_open_admin_pages(dev_instance):
    from flask_migrate import upgrade

    from forum import create_app
    from tests.helpers import create_user

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{dev_instance / 'f.sqlite3'}"})
    with app.app_context():
        upgrade()
        admin_id = create_user("Root", role="admin").get_id()
    forged = app.test_client()
    forged.set_cookie("session", forged_session_cookie(config.DEV_SECRET, admin_id))
    assert forged.get("/admin/users").status_code == 302
    genuine = app.test_client()
    genuine.set_cookie("session", forged_session_cookie(app.config["SECRET_KEY"], admin_id))
    assert "Root" in genuine.get("/admin/users").get_data(as_text=True)
