"""Data for the search benchmarks, as `flask --app wsgi forum import` JSONL files.

    python bench/search_data.py relevance OUT.jsonl            the judged collection (bench/data/)
    python bench/search_data.py synthetic OUT.jsonl --posts 200000 [--seed 7]

The synthetic forum mixes MS vocabulary (from forum/search/data/synonyms.txt: drugs, symptoms,
abbreviations, each thread about one or two topics) into Zipf-distributed filler words, with
threads of 1 to 40 posts, 5,000 authors and dates over ten years. It is for speed, not relevance.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SYNONYMS = HERE.parent / "forum" / "search" / "data" / "synonyms.txt"
CATEGORIES = {
    "treatments-dmts": "Treatments & DMTs",
    "stem-cells-hsct": "Stem cells & HSCT",
    "symptoms": "Symptoms",
    "diagnosis-tests": "Diagnosis & tests",
    "living-with-ms": "Living with MS",
}


# ---------------------------------------------------------------- the judged collection

def relevance_threads(path: Path = DATA / "relevance_forum.txt") -> list[dict]:
    threads: list[dict] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or (line.startswith("#") and not line.startswith("## ")):
            continue
        if line.startswith("## "):
            tid, slug, title, day = (part.strip() for part in line[3:].split("|"))
            threads.append({"id": tid, "category": CATEGORIES[slug], "title": title,
                            "start": datetime.fromisoformat(day).replace(hour=10), "posts": []})
        else:
            author, body = line.split(":", 1)
            threads[-1]["posts"].append((author.strip(), body.strip()))
    return threads


def relevance_rows() -> list[dict]:
    rows = []
    for thread in relevance_threads():
        for n, (author, body) in enumerate(thread["posts"]):
            rows.append({"thread_id": thread["id"], "category": thread["category"], "thread_title": thread["title"],
                         "post_id": f"{thread['id']}-{n + 1}", "author": author,
                         "created": (thread["start"] + timedelta(days=n)).isoformat(), "body": body})
    return rows


def relevance_queries(path: Path = DATA / "relevance_queries.tsv") -> list[dict]:
    queries = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#") or raw.startswith("id\t"):
            continue
        qid, kind, query, judged = raw.split("\t")
        grades = {t: int(g) for t, g in (item.split(":") for item in judged.split())}
        queries.append({"id": qid, "kind": kind, "query": query, "grades": grades})
    return queries


# ---------------------------------------------------------------- the synthetic 200k forum

def vocabulary_terms() -> list[list[str]]:
    groups = []
    for line in SYNONYMS.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            groups.append([t.strip() for t in line.split(",") if t.strip()])
    return groups


COMMON = ("i you my it and the to a of in is that was for on have with but this so not be just me had are "
          "at do what about can like from they get if or all one would there been how when she he we time "
          "know think really day going now people because some good feel feeling felt week weeks month "
          "months year years still after also back first much more very anyone else doctor neuro nurse "
          "ms symptoms symptom diagnosis diagnosed treatment started taking take side effects better worse "
          "pain legs arms eyes walking work sleep help helped hope thanks thank everyone hospital appointment "
          "scan mri results test blood levels dose started stopped switched relapse relapses life family "
          "husband wife kids children mum dad friend friends home house car drive garden dog cat holiday "
          "summer winter morning night evening today yesterday tomorrow weekend long short little big "
          "new old same different right left hand hands foot feet head back neck tired energy").split()


def _pseudo_words(rng: random.Random, count: int) -> list[str]:
    syllables = [a + b for a in "bcdfghklmnprstvwz" for b in "aeiou"] + ["st", "tr", "ch", "sh", "ng"]
    words = set()
    while len(words) < count:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) + rng.choice(["", "s", "ed", "ing"]))
    return sorted(words)


class Writer:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.groups = vocabulary_terms()
        self.filler = COMMON + _pseudo_words(rng, 40_000)
        # Zipf weights: the k-th filler word is used in proportion to 1/k.
        self.cumulative = []
        total = 0.0
        for k in range(1, len(self.filler) + 1):
            total += 1.0 / k
            self.cumulative.append(total)

    def filler_words(self, n: int) -> list[str]:
        return self.rng.choices(self.filler, cum_weights=self.cumulative, k=n)

    def topic(self) -> list[str]:
        return self.rng.choice(self.groups)

    def text(self, topics: list[list[str]], n_words: int) -> str:
        words = self.filler_words(n_words)
        for _ in range(max(1, n_words // 12)):
            words.insert(self.rng.randrange(len(words) + 1), self.rng.choice(self.rng.choice(topics)))
        sentence = " ".join(words)
        return sentence[0].upper() + sentence[1:] + "."

    def title(self, topics: list[list[str]]) -> str:
        words = self.filler_words(self.rng.randint(2, 6))
        words.insert(self.rng.randrange(len(words) + 1), self.rng.choice(topics[0]))
        title = " ".join(words)
        return title[0].upper() + title[1:]


def synthetic_rows(posts: int, seed: int = 7):
    rng = random.Random(seed)
    writer = Writer(rng)
    authors = [f"member{n}" for n in range(5000)]
    start = datetime(2015, 1, 1)
    made, thread_no = 0, 0
    while made < posts:
        thread_no += 1
        topics = [writer.topic() for _ in range(rng.choice((1, 1, 2)))]
        size = min(posts - made, max(1, min(40, int(rng.expovariate(1 / 8)) + 1)))
        created = start + timedelta(minutes=rng.randrange(60 * 24 * 3650))
        title = writer.title(topics)
        category = rng.choice(list(CATEGORIES.values()))
        for n in range(size):
            made += 1
            yield {"thread_id": f"s{thread_no}", "category": category, "thread_title": title,
                   "post_id": f"s{thread_no}-{n + 1}", "author": rng.choice(authors),
                   "created": (created + timedelta(hours=6 * n)).isoformat(timespec="seconds"),
                   "body": writer.text(topics, rng.randint(15, 140))}


def latency_queries(count: int = 200, seed: int = 11) -> list[str]:
    """Two-word queries of the kinds people type: drug + symptom, term + common word, two common words."""
    rng = random.Random(seed)
    writer = Writer(random.Random(seed))
    groups = [g for g in writer.groups if len(g) > 1]
    single = lambda g: [t for t in g if " " not in t] or [g[0].split()[0]]  # noqa: E731
    common = [w for w in COMMON if len(w) > 3]
    out = []
    while len(out) < count:
        roll = rng.random()
        if roll < 0.5:
            q = f"{rng.choice(single(rng.choice(groups)))} {rng.choice(single(rng.choice(groups)))}"
        elif roll < 0.8:
            q = f"{rng.choice(single(rng.choice(groups)))} {rng.choice(common)}"
        else:
            q = f"{rng.choice(common)} {rng.choice(common)}"
        out.append(q)
    return out


def write_jsonl(rows, out: Path) -> int:
    n = 0
    with out.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=("relevance", "synthetic"))
    parser.add_argument("out", type=Path)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rows = relevance_rows() if args.kind == "relevance" else synthetic_rows(args.posts, args.seed)
    n = write_jsonl(rows, args.out)
    print(f"{n:,} posts written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
