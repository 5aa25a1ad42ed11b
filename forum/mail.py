"""One way out for mail: a file per message in instance/outbox/ by default, SMTP when MAIL_SERVER is set."""
from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage
from pathlib import Path

from flask import current_app


def send_mail(to: str, subject: str, body: str) -> None:
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body, cte="8bit")
    if current_app.config.get("MAIL_SERVER"):
        _send_smtp(msg)
    else:
        path = _write_outbox(msg)
        current_app.logger.info("Mail to %s (%s) written to %s:\n%s", to, subject, path, body)


def _write_outbox(msg: EmailMessage) -> Path:
    outbox = Path(current_app.config["FORUM_INSTANCE_DIR"]) / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{uuid.uuid4().hex}.eml"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(bytes(msg))
    tmp.replace(path)
    return path


def _send_smtp(msg: EmailMessage) -> None:
    cfg = current_app.config
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=20) as smtp:
        if cfg.get("MAIL_USE_TLS"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(msg)


def outbox_messages() -> list[Path]:
    outbox = Path(current_app.config["FORUM_INSTANCE_DIR"]) / "outbox"
    return sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime) if outbox.exists() else []
