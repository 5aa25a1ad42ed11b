"""Issue 14, item 2: misinformation the classifier is sure of waits for a moderator instead of being public.

The post goes through the browser's reply form and is scored by the classifier shipped with the code
(moderation/artifacts), the way the worker scores it; only this post is scored, so other tests' posts
keep the clean scores their tests expect.
"""
from __future__ import annotations

import re

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

CLAIM = ("MS is caused by the mercury in your fillings, everyone knows it. The JC virus test is a scam "
         "to keep you on their drugs, so don't bother with it and stop the Tysabri.")


def _score_with_the_shipped_model(site, marker: str) -> str:
    from sqlalchemy import select

    from forum.extensions import db
    from forum.models import Post
    from moderation import pipeline
    from moderation.classifier.model import Classifier
    from moderation.classifier.shipped import shipped_version_dir

    classifier = Classifier.from_dir(shipped_version_dir())
    with site.app.app_context():
        post = db.session.scalars(select(Post).where(Post.body.contains(marker))).one()
        result = classifier.score([pipeline.post_text(post)])[0]
        state = pipeline.apply_score(post, result, classifier.version, post.revision_count, classifier.thresholds)
        db.session.commit()
        db.session.remove()
    return state


def test_a_misinformation_reply_is_held_until_a_moderator_decides(open_page, site):
    thread_url = site(f"/t/{site.ids['thread_id']}-{site.ids['thread_slug']}")
    author = open_page("other")
    author.goto(thread_url)
    author.get_by_role("region", name="Reply").get_by_label("Your reply").fill(CLAIM)
    author.get_by_role("button", name="Post reply").click()
    expect(author.locator("article.post", has_text="mercury in your fillings")).to_be_visible()

    assert _score_with_the_shipped_model(site, "mercury in your fillings") == "held"

    visitor = open_page()
    visitor.goto(thread_url)
    expect(visitor.get_by_role("main")).not_to_contain_text("mercury in your fillings")
    author.goto(thread_url)
    mine = author.locator("article.post", has_text="mercury in your fillings")
    expect(mine).to_contain_text("Awaiting review")

    moderator = open_page("admin")
    moderator.goto(site("/moderation/queue"))
    item = moderator.locator("[data-review-item]", has_text="mercury in your fillings")
    expect(item).to_contain_text(re.compile(r"(Very likely|Likely|Possible) medical misinformation"))
    expect(item).to_contain_text("Held")
    assert "(threshold" not in item.inner_text()   # plain words first; numbers sit behind a closed disclosure
