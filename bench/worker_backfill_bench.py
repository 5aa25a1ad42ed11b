"""End to end: N imported posts, `moderation backfill`, then `moderation worker --once` until all are scored.

    .venv/bin/python bench/worker_backfill_bench.py --posts 10000

Uses a fresh SQLite instance folder and a freshly trained classifier (or --model-from an
existing instance folder to copy its models/). Prints seconds and posts/s for each step.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import forum_env, generate_jsonl, upgrade  # noqa: E402

FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


def timed(label: str, args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(FLASK + args, env=env, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    print(f"{label:<34} {seconds:8.1f} s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--model-from", type=Path, help="an instance folder whose models/ to copy")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp) / "instance"
        env = forum_env(instance, None)
        upgrade(env)
        data = Path(tmp) / "posts.jsonl"
        generate_jsonl(data, args.posts)
        timed(f"import {args.posts:,} posts", ["forum", "import", str(data)], env)
        if args.model_from:
            shutil.copytree(args.model_from / "models", instance / "models")
        else:
            timed("train the classifier", ["moderation", "train"], env)
        timed("backfill (queue every post)", ["moderation", "backfill"], env)
        seconds = timed("worker --once (score + index)", ["moderation", "worker", "--once"], env)
        print(f"{'posts scored per second':<34} {args.posts / seconds:8.1f}")


if __name__ == "__main__":
    main()
