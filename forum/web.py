"""Request-wide behaviour: security headers, error pages, template helpers."""
from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, jsonify, render_template, request, send_from_directory
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from forum.models import utcnow
from forum.text import MAX_ID, plural, sentence

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)
DISCLAIMER = (
    "Posts here are members' own experiences, not medical advice. "
    "Talk to your MS team before changing any treatment."
)


class IdConverter(IntegerConverter):
    """<int:...> in every route: a number past 64 bits is no page (404), not a database error (500)."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's parameter name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_converters(app: Flask) -> None:
    """Before any blueprint is registered: rules pick their converters when they are added."""
    app.url_map.converters["int"] = IdConverter


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.context_processor(_template_globals)
    app.jinja_env.filters["reltime"] = relative_time
    app.jinja_env.filters["abstime"] = absolute_time
    app.jinja_env.filters["plural"] = plural
    app.jinja_env.filters["sentence"] = sentence
    app.jinja_env.globals["DISCLAIMER"] = DISCLAIMER
    app.jinja_env.globals["has_endpoint"] = lambda name: name in app.view_functions
    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_url_rule("/favicon.ico", "favicon", _favicon)


def _favicon():
    """Browsers ask for /favicon.ico on every site whatever the page says."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86_400)


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _http_error(error: HTTPException):
    code = error.code or 500
    if _wants_json():
        return jsonify({"error": error.name, "message": error.description}), code
    return render_template("error.html", error=error, code=code), code


def _csrf_error(error: CSRFError):
    # a form body that parsed to nothing was not UTF-8; a JSON body (drafts.js autosave) is never a form
    if request.content_length and not request.form and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        error.description = ("The form could not be read: it contained bytes that are not valid UTF-8 text. "
                             "Nothing was saved.")
    else:
        error.description = ("The form expired or was sent from elsewhere. Go back, reload the page and try again; "
                             "your text is still in the form.")
    return _http_error(error)


def _template_globals() -> dict:
    unread = 0
    if current_user.is_authenticated:
        from forum.notifications import unread_count

        unread = unread_count(current_user)
    return {"unread_notifications": unread, "site_name": _site_name()}


def _site_name() -> str:
    from flask import current_app

    return current_app.config["SITE_NAME"]


def relative_time(value: datetime | None) -> str:
    if value is None:
        return ""
    seconds = int((utcnow() - value).total_seconds())
    if seconds < 60:
        return "just now"
    for size, unit in ((31_536_000, "year"), (2_592_000, "month"), (86_400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            return f"{plural(seconds // size, unit)} ago"
    return "just now"


def absolute_time(value: datetime | None) -> str:
    return value.strftime("%d %b %Y, %H:%M UTC") if value else ""
