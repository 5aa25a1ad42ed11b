"""Download my data: one click, prepared by the worker, linked from notifications, only for the member, for 7 days."""
from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Notification, utcnow
from forum.privacy import exports, retention
from forum.privacy.models import DataExport
from tests.helpers import FormClient


def ask_for_export(client: FormClient):
    return client.post_form("/settings/export", {}, token_page="/settings")


def run_worker_pass() -> int:
    from moderation.worker import WorkerState, run_once

    return run_once(WorkerState())


def download(client: FormClient) -> dict:
    """Follow the link in the notifications page and read data.json from the ZIP."""
    page = client.get("/notifications").get_data(as_text=True)
    link = re.search(r'href="(/notifications/\d+/export)"', page)
    assert link, "no download link in the notifications"
    response = client.get(link.group(1))
    assert response.status_code == 302
    response = client.get(response.headers["Location"])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/zip" and "no-store" in response.headers["Cache-Control"]
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert sorted(archive.namelist()) == ["README.txt", "data.json"]
        return json.loads(archive.read("data.json"))


def test_one_click_then_the_worker_prepares_everything(app, scene, login):
    client = login(scene.tess)
    assert ask_for_export(client).status_code == 302
    assert "being prepared" in client.get("/settings").get_data(as_text=True)
    assert run_worker_pass() >= 1
    data = download(client)

    assert data["account"]["username"] == "Tess" and data["account"]["email"] == "tess@example.org"
    posts = {p["id"]: p for p in data["posts"]}
    assert set(posts) == {scene.first.id, scene.tess_reply.id}
    story = posts[scene.first.id]
    assert story["thread_title"] == "My relapse story" and "eyesight" in story["body"]
    assert [r["number"] for r in story["revisions"]] == [1, 2] and "eyesight" not in story["revisions"][0]["body"]
    assert story["revisions"][0]["title"] == "My relapse story"
    reply = posts[scene.tess_reply.id]
    assert reply["hidden_at"] and [r["edited_by"] for r in reply["revisions"]] == ["you", "a moderator"]
    assert reply["revisions"][0]["body"].startswith("Try the Sunrise clinic")
    assert data["reactions"] == [{"post_id": scene.ben_quote.id, "kind": "helpful", "created_at": data["reactions"][0]["created_at"]}]
    assert {s["thread_title"] for s in data["subscriptions"]} == {"My relapse story", "Walking aids"}
    kinds = {n["kind"] for n in data["notifications"]}
    assert {"mention", "moderation_hidden", "moderation_warning"} <= kinds
    assert [(r["post_id"], r["reason"], r["note"]) for r in data["reports_made"]] == [
        (scene.ben_post.id, "spam", "Ben keeps advertising rollators")]
    assert [(d["post_id"], d["action"], d["reason"]) for d in data["moderation_decisions"]] == [
        (scene.tess_reply.id, "hide", "clinic_promotion")]
    assert data["moderation_decisions"][0]["by"] == "a moderator"
    assert [a["text"] for a in data["appeals"]] == ["I only shared what helped me, please look again."]
    assert [a["action"] for a in data["moderation_account_actions"]] == ["warn"]
    assert data["login_records"] and "127.0.0.1" not in json.dumps(data)
    # other people's identities are not in her export
    flat = json.dumps(data)
    assert "ben@example.org" not in flat and "mod@example.org" not in flat and '"Mod"' not in flat


def test_the_zip_has_an_unguessable_name_in_the_instance_folder(app, scene, login):
    ask_for_export(login(scene.tess))
    run_worker_pass()
    export = db.session.scalar(select(DataExport))
    assert export.status == "ready" and len(export.token) >= 40
    path = Path(app.config["FORUM_INSTANCE_DIR"]) / "exports" / f"{export.token}.zip"
    assert path.is_file() and export.size_bytes == path.stat().st_size
    assert export.expires_at - export.finished_at == timedelta(days=7)


def test_only_the_member_can_download_it(app, scene, login):
    ask_for_export(login(scene.tess))
    run_worker_pass()
    export = db.session.scalar(select(DataExport))
    note = db.session.scalar(select(Notification).where(Notification.kind == "export_ready"))
    url = f"/settings/export/{export.token}"
    assert login(scene.tess).get(url).status_code == 200
    for other in (scene.ben, scene.admin):
        client = login(other)
        assert client.get(url).status_code == 404
        assert client.get(f"/notifications/{note.id}/export").status_code == 404
    visitor = FormClient(app.test_client())
    assert visitor.get(url).status_code == 302 and "/login" in visitor.get(url).headers["Location"]
    assert login(scene.tess).get("/settings/export/not-a-real-token").status_code == 404


def test_the_link_works_for_seven_days_then_the_purge_removes_the_file(app, scene, login):
    client = login(scene.tess)
    ask_for_export(client)
    run_worker_pass()
    export = db.session.scalar(select(DataExport))
    path = exports.export_path(export.token)
    url = f"/settings/export/{export.token}"
    retention.purge(now=utcnow() + timedelta(days=6))
    assert path.is_file() and client.get(url).status_code == 200
    export.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get(url)
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    report = retention.purge()
    assert report.as_dict()["exports"] == 1
    assert not path.exists() and db.session.scalar(select(func.count(DataExport.id))) == 0
    note = db.session.scalar(select(Notification).where(Notification.kind == "export_ready"))
    assert client.get(f"/notifications/{note.id}/export").status_code == 410
    assert retention.purge().as_dict()["exports"] == 0


def test_opening_the_notification_leads_to_the_download(scene, login):
    client = login(scene.tess)
    ask_for_export(client)
    run_worker_pass()
    note = db.session.scalar(select(Notification).where(Notification.kind == "export_ready"))
    assert "ready" in note.message and "7 days" in note.message
    response = client.post_form(f"/notifications/{note.id}", {}, token_page="/notifications")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/notifications/{note.id}/export")
    settings = client.get("/settings").get_data(as_text=True)
    assert "download (ZIP" in settings


def test_one_pending_export_at_a_time(scene, login):
    client = login(scene.tess)
    ask_for_export(client)
    ask_for_export(client)
    assert "already being prepared" in client.get("/settings").get_data(as_text=True)
    assert db.session.scalar(select(func.count(DataExport.id))) == 1


def test_the_worker_pass_is_cheap_and_survives_a_failed_export(scene, login, monkeypatch):
    assert exports.process_pending_exports() == 0
    ask_for_export(login(scene.tess))

    def broken(user, now=None):
        raise OSError("disk full")

    monkeypatch.setattr(exports, "collect", broken)
    assert exports.process_pending_exports() == 1
    export = db.session.scalar(select(DataExport))
    assert export.status == "failed" and "disk full" in export.error
    assert db.session.scalar(select(Notification).where(Notification.kind == "export_failed")) is not None
    assert exports.process_pending_exports() == 0


def test_an_export_is_deleted_with_the_account(scene, login):
    from forum.privacy import deletion
    from tests.helpers import PASSWORD

    ask_for_export(login(scene.tess))
    run_worker_pass()
    path = exports.export_path(db.session.scalar(select(DataExport.token)))
    assert path.exists()
    deletion.delete_account(scene.tess, PASSWORD, "keep")
    assert not path.exists() and db.session.scalar(select(func.count(DataExport.id))) == 0
