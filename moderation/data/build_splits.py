"""Write train.jsonl and heldout.jsonl from the genre files in corpus/ (the usual split, by source).

    python moderation/data/build_splits.py          # rewrite both files
    python moderation/data/build_splits.py --check  # exit 1 when the committed files are out of date

Which sources are held out is decided by a seeded hash (moderation/classifier/splits.py), so adding a
source never moves another one across the split.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from moderation.classifier.splits import HELDOUT_FILE, TRAIN_FILE, read_corpus, usual_split, write_jsonl  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check that the committed files are up to date")
    args = ap.parse_args()
    train, heldout = usual_split(read_corpus())
    if args.check:
        with_tmp = {}
        for path, rows in ((TRAIN_FILE, train), (HELDOUT_FILE, heldout)):
            tmp = path.with_name(path.name + ".check")
            write_jsonl(tmp, rows)
            with_tmp[path] = tmp.read_bytes() == (path.read_bytes() if path.exists() else b"")
            tmp.unlink()
        stale = [p.name for p, ok in with_tmp.items() if not ok]
        if stale:
            print(f"out of date: {', '.join(stale)}; run python moderation/data/build_splits.py", file=sys.stderr)
            return 1
        return 0
    write_jsonl(TRAIN_FILE, train)
    write_jsonl(HELDOUT_FILE, heldout)
    print(f"train.jsonl: {len(train)} examples; heldout.jsonl: {len(heldout)} examples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
