from flask import Blueprint, render_template, request

bp = Blueprint("search", __name__)


@bp.route("/search")
def search_page():
    return render_template("search/results.html", query=request.args.get("q", ""), results=None)
