"""The search box, the results page and the JSON API, as a browser or a script sees them."""
from __future__ import annotations

import re

import pytest


def test_every_page_has_a_labelled_search_box(client, ctx):
    html = client.get("/").get_data(as_text=True)
    assert 'role="search"' in html and 'action="/search"' in html
    assert re.search(r'<label for="site-search">[^<]+</label>', html)


def test_results_page_shows_grouped_highlighted_results(forum, client):
    response = client.get("/search?q=tecfidera+hair+loss")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<mark>Hair thinning</mark> after two years on <mark>DMF</mark>" in html
    assert "<h1>" in html and '<label for="search-q">' in html
    assert html.index("<h1>") < html.index("<h2") < html.index("<h3")
    assert 'value="tecfidera hair loss"' in html
    assert "/p/" in html                    # each result links to its post


def test_results_page_without_a_query_shows_the_form(client, ctx):
    response = client.get("/search")
    assert response.status_code == 200 and '<label for="search-q">' in response.get_data(as_text=True)


def test_results_page_offers_did_you_mean_and_sorting(forum, client):
    html = client.get("/search?q=modafinnil").get_data(as_text=True)
    assert "modafinil" in html.lower() and ("Did you mean" in html or "Showing results for" in html)
    html = client.get("/search?q=steroids&order=latest").get_data(as_text=True)
    assert 'value="latest" selected' in html


def test_results_page_paginates(forum, client):
    from forum.search import sync_dirty_posts
    from tests.search.corpus import post_thread

    for n in range(23):
        post_thread(f"Vitamin D and sunshine {n}", "Vitamin D levels in winter.")
    sync_dirty_posts()
    first = client.get("/search?q=vitamin+d").get_data(as_text=True)
    assert "Page 1 of 2" in first and 'rel="next"' in first and "q=vitamin" in first
    second = client.get("/search?q=vitamin+d&page=2").get_data(as_text=True)
    assert second.count('class="thread-row"') == 3


def test_bad_page_numbers_get_a_clear_400(forum, client):
    for bad in ("abc", "0", "-1", "1.5", "99999999999999999999", "%00"):
        response = client.get(f"/search?q=fatigue&page={bad}")
        assert response.status_code == 400, bad
        assert "page" in response.get_data(as_text=True).lower()
    assert client.get("/search?q=fatigue&page=5000").status_code == 400


def test_hostile_queries_never_give_a_500(forum, client):
    for query in ("%00", "a" * 10_000, "%22%22%22", "%FF%FE", "<script>alert(1)</script>", "*", "((", "order:"):
        for url in (f"/search?q={query}", f"/api/v1/search?q={query}"):
            response = client.get(url)
            assert response.status_code < 500, url
    html = client.get("/search?q=<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)" not in html


def test_api_returns_the_documented_shape(forum, client):
    response = client.get("/api/v1/search?q=PML+risk&page=1&per_page=5")
    assert response.status_code == 200
    data = response.get_json()
    assert data["query"] == "PML risk" and data["total"] >= 1
    first = data["results"][0]
    assert set(first) == {"post_id", "external_id", "thread_id", "thread_title", "snippet", "score", "created"}
    assert first["thread_title"] == "What does my JCV index of 0.9 mean?"
    assert first["external_id"] is None and first["created"].endswith("Z")
    assert isinstance(first["score"], float)


def test_api_gives_external_ids_of_imported_posts(forum, client):
    from forum.extensions import db
    from forum.search import sync_dirty_posts

    reply = forum.replies["Clinica Ruiz in Puebla for aHSCT"]
    reply.external_id, reply.search_dirty = "old-forum-4711", True
    db.session.commit()
    sync_dirty_posts()
    data = client.get("/api/v1/search?q=mobilisation").get_json()
    assert [r["external_id"] for r in data["results"]] == ["old-forum-4711"]


def test_api_rejects_bad_parameters_with_json_messages(forum, client):
    for url in ("/api/v1/search", "/api/v1/search?q=", "/api/v1/search?q=x&per_page=0",
                "/api/v1/search?q=x&per_page=500", "/api/v1/search?q=x&page=zero"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert response.get_json()["message"]


def test_search_works_from_a_worker_thread_like_a_threaded_server(forum, app):
    import threading

    from forum.search import search

    found = {}

    def run():
        with app.app_context():
            results = search("ocrevus", None)
            found["titles"] = [h.thread_title for h in results.hits]
            found["unavailable"] = results.unavailable

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert found == {"titles": found.get("titles"), "unavailable": False}
    assert "Ocrelizumab infusion day tips" in found["titles"]


def test_a_capped_count_is_shown_as_an_estimate(forum, client, backend, monkeypatch):
    """PostgreSQL ranks at most CANDIDATES matching posts; past that the count is estimated and says so."""
    from forum.search import postgres_backend, sync_dirty_posts
    from tests.search.corpus import post_thread

    for n in range(4):
        post_thread(f"Baclofen dose {n}", "What baclofen dose helped your spasms?")
    sync_dirty_posts()
    exact = client.get("/api/v1/search?q=baclofen").get_json()
    assert exact["total"] == 4 and exact["total_is_estimate"] is False
    assert "About" not in client.get("/search?q=baclofen").get_data(as_text=True)
    if backend != "postgres":
        pytest.skip("only the PostgreSQL backend caps the posts it ranks")
    monkeypatch.setattr(postgres_backend, "CANDIDATES", 2)
    capped = client.get("/api/v1/search?q=baclofen").get_json()
    assert capped["total_is_estimate"] is True and capped["total"] >= 2
    assert "About " in client.get("/search?q=baclofen").get_data(as_text=True)


def test_the_search_page_has_one_search_box(client, ctx):
    html = client.get("/search?q=fatigue").get_data(as_text=True)
    assert html.count('role="search"') == 1 and 'id="site-search"' not in html
    assert 'value="fatigue"' in html  # the page's own form keeps the words searched for


def test_the_results_page_says_which_spelling_it_searched(forum, client):
    from forum.search import sync_dirty_posts
    from tests.search.corpus import post_thread

    for n in range(3):
        post_thread(f"Ocrevus question {n}", "About my ocrevus infusion.")
    sync_dirty_posts()
    html = client.get("/search?q=ocrevis").get_data(as_text=True)
    assert "Showing results for <strong>ocrevus</strong>" in html
    assert 'href="/search?q=ocrevis&amp;order=relevance&amp;spelling=as-typed">Search instead for ocrevis</a>' in html
    typed = client.get("/search?q=ocrevis&spelling=as-typed").get_data(as_text=True)
    assert "Showing results for" not in typed and "No results" in typed and "Did you mean" in typed
