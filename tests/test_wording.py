"""Words as members read them (issue 14): counts agree with their nouns, reasons end with one full stop."""
from forum.text import clause, plural, sentence
from tests.helpers import create_user
from tests.privacy.conftest import mails_to


def test_counts_agree_with_their_nouns():
    assert plural(1, "minute") == "1 minute"
    assert plural(0, "day") == "0 days"
    assert plural(2, "hour") == "2 hours"
    assert plural(1, "audit entry", "audit entries") == "1 audit entry"
    assert plural(3, "audit entry", "audit entries") == "3 audit entries"


def test_a_one_minute_reset_link_says_1_minute(app, client, ctx):
    app.config["RESET_TOKEN_MAX_AGE"] = 60
    try:
        create_user("Tess", email="tess@example.org")
        client.post_form("/reset", {"email": "tess@example.org"})
    finally:
        app.config["RESET_TOKEN_MAX_AGE"] = 3600
    mail = mails_to(app, "tess@example.org")[-1]
    assert "within 1 minute to choose" in mail and "1 minutes" not in mail


def test_the_privacy_page_says_1_day_and_1_hour(app, client, ctx):
    saved = {k: app.config[k] for k in ("EXPORT_RETENTION_DAYS", "PURGE_INTERVAL_HOURS", "USERNAME_RESERVATION_DAYS")}
    app.config.update(EXPORT_RETENTION_DAYS=1, PURGE_INTERVAL_HOURS=1, USERNAME_RESERVATION_DAYS=1)
    try:
        html = client.get("/privacy").get_data(as_text=True)
    finally:
        app.config.update(saved)
    assert "every 1 hour" in html and "works for 1 day and" in html
    assert "1 days" not in html and "1 hours" not in html


def test_the_purge_report_counts_in_the_singular(app, ctx):
    from forum.privacy import retention

    app.config["DELETED_POST_RETENTION_DAYS"], saved = 1, app.config["DELETED_POST_RETENTION_DAYS"]
    try:
        rule = next(r for r in retention.rules() if r.key == "deleted_posts")
    finally:
        app.config["DELETED_POST_RETENTION_DAYS"] = saved
    assert rule.line(1) == "1 deleted post older than 1 day erased"
    assert rule.line(2) == "2 deleted posts older than 1 day erased"


def test_sentences_close_with_one_full_stop():
    assert sentence("Spam") == "Spam."
    assert sentence("Not allowed here.") == "Not allowed here."
    assert sentence("Why? ") == "Why?"
    assert clause("Not allowed here.. ") == "Not allowed here"


