"""Test helpers: build members and threads, and post forms with their CSRF token like a browser."""
from __future__ import annotations

import re
from itertools import count

from flask.testing import FlaskClient

PASSWORD = "correct horse battery"
_seq = count(1)
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def create_user(username: str | None = None, role: str = "member", email: str | None = None, password: str = PASSWORD):
    from forum.accounts import service

    n = next(_seq)
    username = username or f"member{n}"
    return service.register(username, email or f"{username.lower()}@example.org", password, role=role)


def create_category(name: str = "Treatments & DMTs", description: str = "Drugs and their effects"):
    from forum.extensions import db
    from forum.models import Category
    from forum.text import slugify

    category = Category(name=name, slug=slugify(name), description=description)
    db.session.add(category)
    db.session.commit()
    return category


def create_thread(author=None, title: str = "Hair loss on Tecfidera", body: str = "Has anyone else noticed this?",
                  category=None):
    from forum.boards import service
    from forum.models import Category
    from forum.extensions import db
    from sqlalchemy import select

    author = author or create_user()
    if category is None:
        category = db.session.scalar(select(Category).limit(1)) or create_category()
    return service.create_thread(author, category, title, body)


class FormClient:
    """A Flask test client that fills in the CSRF token the way a browser form would."""

    def __init__(self, client: FlaskClient):
        self.client = client

    def __getattr__(self, name):
        return getattr(self.client, name)

    def open(self, *args, **kwargs):
        """Each request starts as if fresh, even though tests hold an app context open.

        Flask reuses an active app context for requests, so `g` (where Flask-Login caches
        the user) and the database session would otherwise carry over between clients.
        """
        from flask import g, has_app_context

        if has_app_context():
            from forum.extensions import db

            for key in list(vars(g)):
                g.pop(key, None)
            db.session.expire_all()
        return self.client.open(*args, **kwargs)

    def get(self, *args, **kwargs):
        return self.open(*args, method="GET", **kwargs)

    def post(self, *args, **kwargs):
        return self.open(*args, method="POST", **kwargs)

    def token(self, page: str = "/reset") -> str:
        html = self.get(page).get_data(as_text=True)
        match = _TOKEN.search(html)
        assert match, f"no CSRF token on {page}"
        return match.group(1) or match.group(2)

    def post_form(self, url: str, data: dict | None = None, token_page: str = "/reset", **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(token_page))
        return self.post(url, data=data, **kwargs)

    def login(self, user_or_name, password: str = PASSWORD):
        name = getattr(user_or_name, "username", user_or_name)
        response = self.post_form("/login", {"login": name, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def logout(self):
        return self.post_form("/logout", {})


class _CleanScore:
    scores = {"clinic_promotion": 0.01, "misinformation": 0.01}
    flagged: list = []
    hold = False
    reasons: list = []
    sentences: list = []


class CleanClassifier:
    """A worker's classifier that finds nothing: every pending post becomes clean."""

    version = "test-clean-1"

    def score(self, texts):
        return [_CleanScore() for _ in texts]


def score_pending() -> int:
    """What the worker does next: score every pending post (clean), which sends its notifications."""
    from moderation import pipeline

    total = 0
    while (n := pipeline.process_batch(CleanClassifier())):
        total += n
    return total
