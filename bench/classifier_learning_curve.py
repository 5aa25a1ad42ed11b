"""Learning from the community: macro-F1 on a genre the model never saw, after 0, 25, 50, 100 moderator
decisions on posts of that genre.

    .venv/bin/python bench/classifier_learning_curve.py --genre quackery              # fine-tuned (slow)
    .venv/bin/python bench/classifier_learning_curve.py --genre quackery --method frozen

The genre's sources are split in two by a seeded hash: half are the posts moderators decide on (the
decisions enter training the way `moderation train --include-decisions` adds them, weighted), the other
half is the test. Every step trains from scratch on the other genres plus the first k decisions.
Numbers go in bench/README-classifier.md; nothing here asserts a target.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def split_genre(rows: list[dict], genre: str, seed: int) -> tuple[list[dict], list[dict], list[dict]]:
    from moderation.classifier.splits import _rank
    own = [r for r in rows if r["genre"] == genre]
    sources = sorted({r["source"] for r in own}, key=lambda s: _rank(s, f"curve{seed}"))
    pool_sources = set(sources[: len(sources) // 2])
    pool = [r for r in own if r["source"] in pool_sources]
    random.Random(seed).shuffle(pool)
    return [r for r in rows if r["genre"] != genre], pool, [r for r in own if r["source"] not in pool_sources]


def as_decision(row: dict) -> dict:
    return {"id": "decision-" + row["id"], "text": row["text"], "clinic_promotion": row["clinic_promotion"],
            "misinformation": row["misinformation"], "kind": row["kind"], "group": row["id"]}


def main() -> None:
    from moderation.classifier.evaluate import score_dataset
    from moderation.classifier.model import Classifier
    from moderation.classifier.splits import read_corpus
    from moderation.classifier.train import train_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--genre", default="quackery")
    ap.add_argument("--steps", type=int, nargs="+", default=[0, 25, 50, 100])
    ap.add_argument("--method", choices=["finetune", "frozen"], default="finetune")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="also write the curve here")
    args = ap.parse_args()
    others, pool, test = split_genre(read_corpus(), args.genre, args.seed)
    curve = []
    for k in args.steps:
        with tempfile.TemporaryDirectory() as tmp:
            path = train_model(tmp, examples=others, extra_examples=[as_decision(r) for r in pool[:k]],
                               heldout_path=None, progress=False, method=args.method, seed=args.seed,
                               log=lambda msg: None)
            m = score_dataset(Classifier.from_dir(path), test)
        curve.append({"decisions": k, "macro_f1": m["macro_f1"], "negatives_flagged": m["negatives_flagged"],
                      **{f"{label}_recall": v["recall"] for label, v in m["labels"].items()}})
        print(json.dumps(curve[-1]), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"genre": args.genre, "method": args.method, "test_posts": len(test),
                                               "curve": curve}, indent=2) + "\n")


if __name__ == "__main__":
    main()
