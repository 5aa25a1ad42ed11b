"""The training data: written per genre, split by source, never by fragment; a challenge set by another hand."""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from moderation.classifier import splits

DATA = Path(__file__).resolve().parents[2] / "moderation" / "data"


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def norm(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.fixture(scope="module")
def corpus():
    return splits.read_corpus()


@pytest.fixture(scope="module")
def files():
    return {"train": load(splits.TRAIN_FILE), "heldout": load(splits.HELDOUT_FILE),
            "challenge": load(splits.CHALLENGE_FILE)}


def test_corpus_size_mix_and_genres(corpus):
    assert len(corpus) >= 4000
    hard = sum(r["kind"].startswith("hard_negative") for r in corpus)
    assert hard / len(corpus) >= 0.40
    genres = Counter(r["genre"] for r in corpus)
    assert set(genres) >= {"clinic_site", "broker_tourism", "patient_forum", "patient_blog", "quackery",
                           "news_regulator", "social_short"}


def test_every_genre_has_positives_and_near_misses_of_both_labels(corpus):
    for genre in {r["genre"] for r in corpus}:
        rows = [r for r in corpus if r["genre"] == genre]
        for label in ("clinic_promotion", "misinformation"):
            assert sum(r[label] for r in rows) >= 10, (genre, label)
        assert sum(r["kind"].startswith("hard_negative") for r in rows) >= 0.3 * len(rows), genre


def test_labels_agree_with_kinds_and_every_group_names_its_sources(corpus):
    for r in corpus:
        if r["kind"].startswith("hard_negative") or r["kind"] == "neutral":
            assert r["clinic_promotion"] == r["misinformation"] == 0, r["id"]
        if r["kind"] == "both":
            assert r["clinic_promotion"] == r["misinformation"] == 1, r["id"]
        assert r["sources"] and all(s.startswith("http") for s in r["sources"]), r["id"]


def test_posts_have_realistic_lengths(corpus):
    words = sorted(len(r["text"].split()) for r in corpus)
    assert words[len(words) // 10] <= 30 and words[len(words) * 9 // 10] >= 150


def test_no_source_and_no_text_is_in_two_splits(files):
    train, held = files["train"], files["heldout"]
    assert not {r["source"] for r in train} & {r["source"] for r in held}
    assert not {norm(r["text"]) for r in train} & {norm(r["text"]) for r in held}
    assert 0.15 <= len(held) / (len(train) + len(held)) <= 0.25
    assert {r["genre"] for r in held} == {r["genre"] for r in train}


def test_challenge_set_is_another_hand_and_shares_no_text(files, corpus):
    challenge = files["challenge"]
    assert len(challenge) >= 300
    assert not {r.get("hand") for r in challenge} & {r.get("hand") for r in corpus}
    assert not {norm(r["text"]) for r in challenge} & {norm(r["text"]) for r in corpus}
    assert not {r["source"] for r in challenge} & {r["source"] for r in corpus}


def test_leave_one_genre_out_never_trains_on_the_tested_genre(corpus):
    folds = list(splits.leave_one_genre_out(corpus))
    assert len(folds) == len({r["genre"] for r in corpus})
    for genre, train, test in folds:
        assert {r["genre"] for r in test} == {genre} and genre not in {r["genre"] for r in train}
        assert len(train) + len(test) == len(corpus)


def test_calibration_split_keeps_sources_whole(files):
    fit, dev = splits.calibration_split(files["train"])
    assert not {r["source"] for r in fit} & {r["source"] for r in dev}
    assert 0.08 <= len(dev) / len(files["train"]) <= 0.25


def test_split_files_are_up_to_date():
    result = subprocess.run([sys.executable, str(DATA / "build_splits.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_bad_corpus_line_names_its_file_and_line(tmp_path):
    good = {"id": "a", "text": "x", "clinic_promotion": 0, "misinformation": 0, "genre": "g", "kind": "neutral",
            "source": "s", "sources": ["https://example.org"]}
    (tmp_path / "g.jsonl").write_text(json.dumps(good) + "\n" + json.dumps(dict(good, id="b", sources=[])) + "\n")
    with pytest.raises(splits.CorpusError, match=r"g.jsonl line 2: `sources`"):
        splits.read_corpus(tmp_path)


def test_negatives_mention_prices_whatsapp_mexico_and_stem_cells(corpus):
    negatives = [r["text"].lower() for r in corpus if r["kind"].startswith("hard_negative")]
    for word in ("$", "whatsapp", "mexico", "stem cell", "jc virus", "tysabri"):
        assert sum(word in t for t in negatives) >= 5, word


def test_clinic_domains_file():
    lines = [ln.split("#")[0].strip() for ln in (DATA / "clinic_domains.txt").read_text().splitlines()]
    domains = [d for d in lines if d]
    assert len(domains) >= 10 and all("." in d and " " not in d for d in domains)
