"""Bad-input benchmark: 200 KB pathological posts through every stage that reads a whole post.

    .venv/bin/python bench/bad_input_bench.py                  # rules, Markdown, search parser
    .venv/bin/python bench/bad_input_bench.py --classifier instance   # ... and Classifier.score with that model
    .venv/bin/python bench/bad_input_bench.py --size 50000     # a smaller post, to see the growth

Each input repeats a short unit that once sent a regular expression into quadratic backtracking ("1." for
prices, "a." for domains, "1," ...) or that stresses a parser (nested emphasis, brackets, quotes). Target
from the security audit: every stage linear and under 1 s per stage at 200 KB. Prints the worst time per
stage, and the time at a quarter of the size so growth can be read (4x for linear, 16x for quadratic).
Numbers go in the issue note; nothing here asserts a target.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

UNITS = {
    "digits-dots": "1.", "digits-commas": "1,", "letters-dots": "a.", "digit-spaces": "1 ", "dashes": "1-",
    "labels-dashes": "a-", "emails": "a@a.", "currency": "$1 1k ", "phones": "+1 ", "url-ish": "www.a.",
    "handles": "@abcd dm ", "quotes": '"aaaaaaaaa ', "questions": "x ", "said-that": "said ",
    "whatsapp": "whatsapp 1 ", "emphasis": "*a _b ", "brackets": "[a](", "backticks": "`a ``",
    "html": "<div><span>", "list": "- > 1. ", "headings": "# a\n", "long-word": "a",
}


def pathological(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _time(fn, text: str) -> float:
    start = time.perf_counter()
    fn(text)
    return time.perf_counter() - start


def stages(classifier_instance: str | None) -> dict:
    from forum.markup import render_markdown
    from forum.search.query import parse
    from moderation.classifier.rules import apply_rules
    out = {"rules": apply_rules, "markdown": render_markdown, "search parser": parse}
    if classifier_instance:
        from moderation.classifier import load_classifier
        clf = load_classifier(classifier_instance)
        out["classifier score"] = lambda text: clf.score([text])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=200_000)
    ap.add_argument("--classifier", metavar="INSTANCE_DIR", help="also time Classifier.score with this model")
    args = ap.parse_args()
    from forum import create_app
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        for stage, fn in stages(args.classifier).items():
            worst, worst_unit, quarter = 0.0, "", 0.0
            for name, unit in UNITS.items():
                took = _time(fn, pathological(unit, args.size))
                if took > worst:
                    worst, worst_unit = took, name
                    quarter = _time(fn, pathological(unit, args.size // 4))
            growth = worst / quarter if quarter else float("nan")
            print(f"{stage:17} worst {worst:7.3f} s at {args.size:,} chars ({worst_unit}); "
                  f"{quarter:6.3f} s at a quarter of the size (x{growth:.1f})", flush=True)


if __name__ == "__main__":
    main()
