"""A search finds the thread that answers the question, whatever words the answer used."""
from __future__ import annotations

from forum.search import search
from tests.search.corpus import post_thread


def titles(results) -> list[str]:
    return [hit.thread_title for hit in results.hits]


def expect_found(cases: list[tuple[str, str]]) -> None:
    missing = [(q, want, titles(search(q, None))) for q, want in cases if want not in titles(search(q, None))]
    assert not missing, "\n".join(f"{q!r} did not find {want!r}; found {got}" for q, want, got in missing)


def test_brand_generic_names_and_abbreviations_find_the_answer(forum):
    expect_found([
        ("tecfidera hair loss", "Hair thinning after two years on DMF"),
        ("PML risk", "What does my JCV index of 0.9 mean?"),
        ("JC virus test", "What does my JCV index of 0.9 mean?"),
        ("stem cells mexico", "Clinica Ruiz in Puebla for aHSCT"),
        ("ocrevus", "Ocrelizumab infusion day tips"),
        ("tysabri", "What does my JCV index of 0.9 mean?"),
        ("heat sensitivity", "Cooling vest recommendations for summer"),
        ("HSCT", "Clinica Ruiz in Puebla for aHSCT"),
        ("exhaustion", "Tired all the time"),
    ])


def test_misspelled_terms_still_find_results(forum):
    expect_found([
        ("tecfedera flushing", "Flushing on my new pills"),
        ("ocrevis", "Ocrelizumab infusion day tips"),
        ("natalizamab", "What does my JCV index of 0.9 mean?"),
        ("lhermites", "Electric shocks when I bend my neck"),
        ("Tysabry", "What does my JCV index of 0.9 mean?"),
    ])


def test_did_you_mean_is_offered_when_little_is_found(forum):
    results = search("modafinnil", None)
    assert results.suggestion and "modafinil" in results.suggestion.lower()
    assert "Tired all the time" in titles(results)
    assert search("ocrevis", None).suggestion.lower() == "ocrevus"
    assert search("fatigue", None).suggestion is None


def test_exact_words_rank_above_synonyms(forum):
    results = search("dimethyl fumarate", None)
    assert titles(results)[0] == "Hair thinning after two years on DMF"
    assert "Flushing on my new pills" in titles(results)


def test_titles_count_more_than_bodies_and_word_forms_match(forum):
    post_thread("Baclofen dose question", "How much do you take each day?")
    post_thread("Leg stiffness at night", "My neuro suggested baclofen but I am unsure.")
    from forum.search import sync_dirty_posts

    sync_dirty_posts()
    assert titles(search("baclofen", None))[0] == "Baclofen dose question"
    assert "Ocrelizumab infusion day tips" in titles(search("infusions", None))


def test_one_thread_does_not_fill_the_page(forum):
    from forum.search import sync_dirty_posts

    post_thread("Gabapentin diary", "Gabapentin day one.", replies=tuple(f"Gabapentin day {n}." for n in range(2, 8)))
    post_thread("Nerve pain", "Gabapentin did nothing for my burning feet.")
    sync_dirty_posts()
    results = search("gabapentin", None)
    assert titles(results).count("Gabapentin diary") == 1
    assert "Nerve pain" in titles(results) and results.total == 2
    diary = next(h for h in results.hits if h.thread_title == "Gabapentin diary")
    assert diary.more_in_thread == 6


def test_snippets_mark_matches_escape_html_and_skip_markdown(forum):
    from forum.search import sync_dirty_posts

    post_thread("Odd characters", "Is <script>alert(1)</script> & baclofen safe together?")
    post_thread("Links", "See [the leaflet](https://example.org/vumerity-leaflet) for **details**.")
    sync_dirty_posts()
    snippet = str(search("baclofen", None).hits[0].snippet)
    assert "<mark>baclofen</mark>" in snippet
    assert "<script" not in snippet and "&lt;script&gt;" in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    leaflet = str(search("leaflet", None).hits[0].snippet)
    assert "**" not in leaflet and "](" not in leaflet
    assert search("example", None).total == 0


def test_order_latest_and_pagination(forum):
    from forum.search import sync_dirty_posts

    from datetime import timedelta

    from forum.extensions import db
    from forum.models import Post, utcnow

    start = utcnow() - timedelta(days=1)
    for n in range(5):
        thread = post_thread(f"Vitamin D question {n}", "How much vitamin D do you take?")
        for post in db.session.scalars(db.select(Post).where(Post.thread_id == thread.id)):
            post.created_at = start + timedelta(minutes=n)  # distinct times: a fast machine writes several per tick
    db.session.commit()
    sync_dirty_posts()
    first, second = search("vitamin d", None, page=1, per_page=3), search("vitamin d", None, page=2, per_page=3)
    assert first.total == second.total == 5
    assert len(first.hits) == 3 and len(second.hits) == 2
    assert not {h.thread_id for h in first.hits} & {h.thread_id for h in second.hits}
    latest = search("vitamin d", None, order="latest", per_page=10)
    assert titles(latest) == [f"Vitamin D question {n}" for n in range(4, -1, -1)]
    assert titles(search("vitamin d order:latest", None, per_page=10)) == titles(latest)


def test_indexed_text_is_the_text_readers_see(ctx):
    import html

    from forum.markup import plain_text, render_markdown
    from forum.search.analysis import post_text, words

    samples = [
        "Plain words & symbols < > \"quotes\"",
        "# Heading\n\n- one\n- two\n\n> quoted **bold** and _em_\n\n1. first\n2. second",
        "A [link text](https://example.org/x?a=1&b=2) and `code <b>` and\n\n```\nblock <i>\n```",
        "| col | col2 |\n|---|---|\n| a | b |\n\nhttps://example.org/auto ~~gone~~ @tess",
    ]
    for md in samples:
        rendered = render_markdown(md)
        assert words(post_text(rendered)) == words(html.unescape(plain_text(rendered))), md


def test_order_latest_shows_the_newest_matches_even_past_the_ranking_cap(forum, monkeypatch):
    """PostgreSQL ranks at most CANDIDATES matching posts; sorted by date, those must be the newest."""
    from datetime import timedelta

    from forum.extensions import db
    from forum.models import Post, utcnow
    from forum.search import postgres_backend, sync_dirty_posts

    monkeypatch.setattr(postgres_backend, "CANDIDATES", 2)
    start = utcnow() - timedelta(days=1)
    for n in range(5):
        thread = post_thread(f"Baclofen dose {n}", "What baclofen dose helped your spasms?")
        for post in db.session.scalars(db.select(Post).where(Post.thread_id == thread.id)):
            post.created_at = start + timedelta(minutes=n)
    db.session.commit()
    sync_dirty_posts()
    latest = search("baclofen order:latest", None, per_page=10)
    assert titles(latest)[:2] == ["Baclofen dose 4", "Baclofen dose 3"]


def test_a_corrected_spelling_is_said_and_the_typed_one_can_be_searched_instead(forum):
    post_thread("Ocrevus and a cold", "My ocrevus infusion moved because of a cold.")
    post_thread("Another ocrevus question", "Does ocrevus make you tired the day after?")
    from forum.search import sync_dirty_posts

    sync_dirty_posts()
    corrected = search("ocrevis", None)
    assert corrected.corrected_to == "ocrevus" and corrected.total >= 3
    assert search("ocrevus", None).corrected_to is None
    as_typed = search("ocrevis", None, as_typed=True)
    assert as_typed.total == 0 and as_typed.corrected_to is None and as_typed.suggestion == "ocrevus"
