"""A small forum for the search tests: threads whose answers use other words than the questions."""
from __future__ import annotations

from types import SimpleNamespace

from tests.helpers import create_category

THREADS = [
    ("treatments", "Hair thinning after two years on DMF",
     ["My hair is coming out in the shower since I started dimethyl fumarate. Anyone else?",
      "Mine thinned a bit on DMF too, it settled after six months and zinc helped."]),
    ("treatments", "Flushing on my new pills",
     ["The flushing after each dose of Tecfidera is awful, my face goes red. Tips?",
      "Take it with a fatty meal and an aspirin, ask your neuro first."]),
    ("treatments", "What does my JCV index of 0.9 mean?",
     ["My neuro says the John Cunningham virus antibody index is borderline for natalizumab.",
      "Above 0.9 the risk of progressive multifocal leukoencephalopathy goes up after two years."]),
    ("treatments", "Ocrelizumab infusion day tips",
     ["First Ocrevus infusion tomorrow. What should I bring? Warm socks and snacks?",
      "Bring a book, the antihistamines make you sleepy."]),
    ("stem-cells", "Clinica Ruiz in Puebla for aHSCT",
     ["Has anyone had autologous hematopoietic stem cell transplantation abroad? Looking at Puebla.",
      "I went to Clinica Ruiz in 2022, the mobilisation was hard but my EDSS is stable."]),
    ("symptoms", "Electric shocks when I bend my neck",
     ["Lhermitte's sign started last week, buzzing down my spine when I look down.",
      "Mine came with a relapse, it faded after the steroids."]),
    ("symptoms", "Cooling vest recommendations for summer",
     ["Heat intolerance is ruining my summer, does a cooling vest help with Uhthoff?",
      "I use a vest with ice packs, it buys me about two hours outside."]),
    ("symptoms", "Tired all the time",
     ["The fatigue is worse than any other symptom. I sleep ten hours and wake exhausted.",
      "Modafinil helped me a little, and pacing helped more."]),
]

CATEGORIES = {"treatments": "Treatments & DMTs", "stem-cells": "Stem cells & HSCT", "symptoms": "Symptoms"}


def quick_user(username: str, role: str = "member"):
    """A member without a password (hashing one is slow and search tests never log in as these)."""
    from forum.extensions import db
    from forum.models import User
    from forum.text import name_key

    user = User(username=username, username_key=name_key(username), role=role)
    db.session.add(user)
    db.session.commit()
    return user


def post_thread(title: str, body: str, author=None, category=None, replies: tuple[str, ...] = ()):
    """A thread (and replies) written through the board service, like a member would."""
    from sqlalchemy import select

    from forum.boards import service
    from forum.extensions import db
    from forum.models import Category, User

    author = author or db.session.scalar(select(User).where(User.username_key == "tess")) or quick_user("tess")
    category = category or db.session.scalar(select(Category).limit(1)) or create_category()
    thread = service.create_thread(author, category, title, body)
    for reply in replies:
        service.create_reply(author, thread, reply)
    return thread


def build_forum():
    """Create the threads (tess starts them, sam answers) and index them."""
    from forum.boards import service
    from forum.search import sync_dirty_posts

    cats = {slug: create_category(name) for slug, name in CATEGORIES.items()}
    tess, sam = quick_user("tess"), quick_user("sam")
    threads, replies = {}, {}
    for slug, title, bodies in THREADS:
        thread = service.create_thread(tess, cats[slug], title, bodies[0])
        threads[title] = thread
        for body in bodies[1:]:
            replies[title] = service.create_reply(sam, thread, body)
    while sync_dirty_posts():
        pass
    return SimpleNamespace(categories=cats, tess=tess, sam=sam, threads=threads, replies=replies)
