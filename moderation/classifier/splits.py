"""The classifier's data by genre and source, and every way it is split.

The corpus (moderation/data/corpus/<genre>.jsonl) is written by the team, one file per genre: clinic pages,
broker articles, patient forum posts, patient blogs, quackery, news and regulators, short social posts.
Each example names its `source`: the one imagined site, thread or author a group of related examples was
written as. Splits never cut a source in two, so a test example never has a sibling in training:

- the usual split: per genre, TEST_SHARE of the sources (ordered by a seeded hash) form heldout.jsonl,
  the rest train.jsonl (written by moderation/data/build_splits.py, checked by the tests);
- the calibration split inside training: DEV_SHARE of the training sources, unseen by fine-tuning, on which
  the heads are calibrated and the thresholds chosen;
- leave one genre out: train on every other genre, test on the whole of one.

The challenge set (moderation/data/challenge_set/challenge.jsonl) was written by a different hand that never
saw the corpus; it is never trained or tuned on.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path
from typing import Iterator

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CORPUS_DIR = DATA_DIR / "corpus"
CHALLENGE_FILE = DATA_DIR / "challenge_set" / "challenge.jsonl"
TRAIN_FILE = DATA_DIR / "train.jsonl"
HELDOUT_FILE = DATA_DIR / "heldout.jsonl"
TEST_SHARE = 0.2
DEV_SHARE = 0.15
SPLIT_SEED = "ms-forum-2026"
REQUIRED = ("id", "text", "clinic_promotion", "misinformation", "genre", "kind", "source", "sources")


class CorpusError(ValueError):
    """A corpus line that cannot be used; the message names the file and line."""


def read_corpus(folder: str | Path = CORPUS_DIR) -> list[dict]:
    """Every example of every genre file in folder, in file then line order, after checking each line."""
    rows: list[dict] = []
    files = sorted(Path(folder).glob("*.jsonl"))
    if not files:
        raise CorpusError(f"no genre files (*.jsonl) in {folder}")
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                rows.append(_checked(line, f"{path.name} line {n}"))
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise CorpusError("duplicate example ids in the corpus")
    return rows


def _checked(line: str, where: str) -> dict:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{where}: invalid JSON ({exc.msg})") from exc
    missing = [k for k in REQUIRED if k not in row]
    if missing:
        raise CorpusError(f"{where}: missing {', '.join(missing)}")
    if row["clinic_promotion"] not in (0, 1) or row["misinformation"] not in (0, 1) or not row["text"].strip():
        raise CorpusError(f"{where}: labels must be 0 or 1 and the text must not be empty")
    if not row["sources"]:
        raise CorpusError(f"{where}: `sources` must name the pages that informed the example")
    row["group"] = row["source"]
    return row


def _rank(source: str, salt: str) -> str:
    return hashlib.sha256(f"{SPLIT_SEED}:{salt}:{source}".encode()).hexdigest()


def pick_sources(rows: list[dict], share: float, salt: str) -> set[str]:
    """share of the sources of each genre (at least one), by a seeded hash: the same input, the same pick."""
    by_genre: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        by_genre[r.get("genre", "")].add(r["source"] if "source" in r else r["group"])
    picked: set[str] = set()
    for sources in by_genre.values():
        ranked = sorted(sources, key=lambda s: _rank(s, salt))
        picked.update(ranked[: max(1, round(share * len(ranked)))] if len(ranked) > 1 else [])
    return picked


def usual_split(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """(train, heldout): TEST_SHARE of each genre's sources are held out."""
    test = pick_sources(rows, TEST_SHARE, "test")
    return [r for r in rows if r["source"] not in test], [r for r in rows if r["source"] in test]


def calibration_split(rows: list[dict], share: float = DEV_SHARE) -> tuple[list[dict], list[dict]]:
    """(fit, dev) by group: dev is what fine-tuning never sees, for calibration and thresholds."""
    keyed = [dict(r, source=r.get("source") or r["group"]) for r in rows]
    dev = pick_sources(keyed, share, "dev")
    fit = [r for r, k in zip(rows, keyed) if k["source"] not in dev]
    held = [r for r, k in zip(rows, keyed) if k["source"] in dev]
    return fit, held


def leave_one_genre_out(rows: list[dict]) -> Iterator[tuple[str, list[dict], list[dict]]]:
    """(genre, every other genre's examples, that genre's examples) for each genre."""
    for genre in sorted({r["genre"] for r in rows}):
        yield genre, [r for r in rows if r["genre"] != genre], [r for r in rows if r["genre"] == genre]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    text = "".join(json.dumps({k: v for k, v in r.items() if k != "group"}, ensure_ascii=False) + "\n" for r in rows)
    tmp = path.with_suffix(".jsonl.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
