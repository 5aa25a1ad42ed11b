"""Search pages: /search (HTML) and /api/v1/search (JSON). Thin: the work is in forum.search.service."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_login import current_user

from forum.pagination import Page, parse_page_number
from forum.search.service import MAX_PER_PAGE, MAX_RESULTS, UNAVAILABLE, search

bp = Blueprint("search", __name__)
ORDERS = ("relevance", "latest")


def _order() -> str | None:
    order = (request.args.get("order") or "").strip().lower()
    return order if order in ORDERS else None


def _per_page(default: int) -> int:
    raw = request.args.get("per_page")
    if raw in (None, ""):
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PER_PAGE:
        abort(400, description=f"per_page must be a whole number from 1 to {MAX_PER_PAGE}.")
    return int(raw)


def _check_depth(page: int, per_page: int) -> None:
    if (page - 1) * per_page >= MAX_RESULTS:
        abort(400, description=f"Search shows the first {MAX_RESULTS:,} results; add words to narrow it down.")


@bp.route("/search")
def search_page():
    query = request.args.get("q", "")
    order = _order()
    page = parse_page_number(request.args.get("page"))
    per_page = current_app.config.get("SEARCH_PER_PAGE", 20)
    _check_depth(page, per_page)
    as_typed = request.args.get("spelling") == "as-typed"
    results = search(query, current_user, page, per_page, order, as_typed) if query.strip() else None
    pager = Page(page, per_page, results.total) if results else None
    status = 503 if results is not None and results.unavailable else 200
    return render_template("search/results.html", query=query, order=order or "relevance", results=results,
                           page=pager), status


@bp.route("/api/v1/search")
def api_search():
    query = request.args.get("q", "")
    if not query.strip():
        abort(400, description="Say what to search for with ?q=, for example ?q=tecfidera+hair+loss.")
    page = parse_page_number(request.args.get("page"))
    per_page = _per_page(20)
    _check_depth(page, per_page)
    results = search(query, current_user, page, per_page, _order())
    if results.unavailable:
        return jsonify({"error": "Service Unavailable", "message": UNAVAILABLE}), 503
    return jsonify(results.to_json())
