"""The demo forum loaded by `flask --app wsgi forum seed-demo` from forum/data/demo_forum.json."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from forum.extensions import db
from forum.markup import render_markdown
from forum.models import Category, Post, PostRevision, Subscription, Thread, User, utcnow
from forum.text import name_key, slugify

DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo_forum.json"


def demo_loaded() -> bool:
    return (db.session.scalar(select(func.count(Category.id))) or 0) > 0


def load_demo(path: Path = DEMO_FILE) -> dict[str, int]:
    """Create the demo categories, members, threads and posts in one transaction."""
    data = json.loads(path.read_text(encoding="utf-8"))
    now = utcnow()
    users = {u["username"]: _user(u, now) for u in data["users"]}
    categories = {}
    for position, c in enumerate(data["categories"]):
        categories[c["name"]] = Category(name=c["name"], slug=slugify(c["name"]), description=c.get("description", ""),
                                         position=position)
    db.session.add_all([*users.values(), *categories.values()])
    posts = 0
    for t in data["threads"]:
        posts += _thread(t, users, categories[t["category"]], now)
    db.session.commit()
    return {"users": len(users), "categories": len(categories), "threads": len(data["threads"]), "posts": posts}


def _user(u: dict, now) -> User:
    return User(username=u["username"], username_key=name_key(u["username"]), role=u.get("role", "member"),
                bio=u.get("bio", ""), created_at=now - timedelta(days=u.get("joined_days_ago", 30)))


def _thread(t: dict, users: dict[str, User], category: Category, now) -> int:
    first = t["posts"][0]
    thread = Thread(category=category, author=users[first["author"]], title=t["title"], slug=slugify(t["title"], 80),
                    pinned=bool(t.get("pinned")), created_at=now - timedelta(days=first["days_ago"]))
    db.session.add(thread)
    for number, p in enumerate(t["posts"], start=1):
        when = now - timedelta(days=p["days_ago"], minutes=60 - number)
        html = render_markdown(p["body"])
        post = Post(thread=thread, author=users[p["author"]], number=number, body=p["body"], body_html=html,
                    created_at=when, moderation_state="pending", search_dirty=True)
        db.session.add_all([post, PostRevision(post=post, number=1, body=p["body"], body_html=html,
                                               title=t["title"] if number == 1 else None,
                                               editor=users[p["author"]], created_at=when)])
        thread.last_posted_at = when
    thread.post_count = len(t["posts"])
    db.session.flush()
    for username in {p["author"] for p in t["posts"]}:
        db.session.add(Subscription(user_id=users[username].id, thread_id=thread.id))
    return len(t["posts"])
