"""Search benchmarks: relevance against a plain BM25 baseline, reindex throughput, query latency.

    # relevance (bench/data/): both backends vs baseline, nDCG@10 and recall@10 per query kind
    python bench/search_bench.py relevance [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test] [--verbose]

    # the 200k-post forum: generate, import with `forum import`, then measure
    python bench/search_bench.py prepare  --db sqlite:////tmp/bench/forum.sqlite3 --instance /tmp/bench --posts 200000
    python bench/search_bench.py reindex  --db ... --instance ... --backend whoosh
    python bench/search_bench.py latency  --db ... --instance ... --backend whoosh [--queries 200 --passes 3]
                                          [--show] [--no-postings-cache]

Numbers go in bench/README-search.md, not in tests.
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import search_data  # noqa: E402

KINDS = ("plain", "synonym", "abbreviation", "misspelling", "phrase", "filter")


# ---------------------------------------------------------------- metrics

def ndcg_at(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** grades.get(t, 0) - 1) / math.log2(i + 2) for i, t in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    relevant = {t for t, g in grades.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


# ---------------------------------------------------------------- apps

def make_app(db_url: str, instance: str, backend: str):
    from forum import create_app

    return create_app("development", {"SQLALCHEMY_DATABASE_URI": db_url, "FORUM_INSTANCE_DIR": instance,
                                      "SEARCH_BACKEND": backend, "SERVER_NAME": "bench.local"})


def pg_schema_url(base: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    schema = f"bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", schema


def drop_pg_schema(base: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def import_file(app, path: Path) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["forum", "import", str(path)])
    if result.exit_code != 0:
        raise SystemExit(f"import failed: {result.output}")
    print(result.output.strip().splitlines()[-1], file=sys.stderr)


# ---------------------------------------------------------------- the plain BM25 baseline

class Baseline:
    """BM25 (Whoosh BM25F, k1=1.2, b=0.75) on title + body as one field: lowercase words, stop words
    removed, no stemming, no synonyms, no typo tolerance, any word may match (OR). Filters are applied
    as in the real search; quoted phrases are searched as their words."""

    def __init__(self, rows: list[dict]):
        from whoosh.analysis import StandardAnalyzer
        from whoosh.fields import ID, NUMERIC, TEXT, Schema
        from whoosh.filedb.filestore import RamStorage

        analyzer = StandardAnalyzer(minsize=1)
        schema = Schema(thread=ID(stored=True), category=ID, author=ID, created=NUMERIC(int, bits=64),
                        title=TEXT(analyzer=analyzer), text=TEXT(analyzer=analyzer))
        self.ix = RamStorage().create_index(schema)
        slugs = {name: slug for slug, name in search_data.CATEGORIES.items()}
        writer = self.ix.writer()
        from datetime import datetime

        for r in rows:
            writer.add_document(thread=r["thread_id"], category=slugs[r["category"]], author=r["author"].lower(),
                                created=int(datetime.fromisoformat(r["created"]).timestamp()),
                                title=r["thread_title"], text=r["thread_title"] + " " + r["body"])
        writer.commit()
        self.searcher = self.ix.searcher()

    def rank(self, query: str, k: int = 10) -> list[str]:
        from datetime import datetime, time as dtime

        from whoosh.query import And, ConstantScoreQuery, NumericRange, Or, Term

        from forum.search.analysis import STOP_WORDS
        from forum.search.query import parse

        parsed = parse(query)
        field = "title" if parsed.in_title else "text"
        terms = [Term(field, w) for w in parsed.words if w not in STOP_WORDS]
        if not terms:
            return []
        q = Or(terms)
        filters = []
        if parsed.categories:
            filters.append(Or([Term("category", c) for c in parsed.categories]))
        if parsed.authors:
            filters.append(Or([Term("author", a.lower()) for a in parsed.authors]))
        if parsed.after or parsed.before:
            ts = lambda d: int(datetime.combine(d, dtime.min).timestamp())  # noqa: E731
            filters.append(NumericRange("created", ts(parsed.after) if parsed.after else None,
                                        ts(parsed.before) - 1 if parsed.before else None))
        if filters:
            q = And([q, ConstantScoreQuery(And(filters), 0.0)])
        seen: list[str] = []
        for hit in self.searcher.search(q, limit=None):
            if hit["thread"] not in seen:
                seen.append(hit["thread"])
            if len(seen) == k:
                break
        return seen


# ---------------------------------------------------------------- relevance

def system_ranker(app):
    from sqlalchemy import select

    from forum.extensions import db
    from forum.models import Thread
    from forum.search import search

    with app.app_context():
        external = dict(db.session.execute(select(Thread.id, Thread.external_id)).all())

    def rank(query: str, k: int = 10) -> list[str]:
        with app.app_context():
            results = search(query, None, page=1, per_page=k)
            return [external[h.thread_id] for h in results.hits]
    return rank


def evaluate(rank, queries: list[dict]) -> dict[str, dict]:
    out = {}
    for q in queries:
        ranked = rank(q["query"])
        out[q["id"]] = {"ndcg": ndcg_at(ranked, q["grades"]), "recall": recall_at(ranked, q["grades"]),
                        "ranked": ranked}
    return out


def relevance(args) -> None:
    rows = search_data.relevance_rows()
    queries = search_data.relevance_queries()
    tmp = Path(tempfile.mkdtemp(prefix="search-relevance-"))
    data = tmp / "relevance.jsonl"
    search_data.write_jsonl(rows, data)
    systems = {"baseline BM25": evaluate(Baseline(rows).rank, queries)}

    whoosh_app = make_app(f"sqlite:///{tmp / 'forum.sqlite3'}", str(tmp / "instance"), "whoosh")
    import_file(whoosh_app, data)
    with whoosh_app.app_context():
        from forum.search import rebuild_index

        rebuild_index()
    systems["whoosh"] = evaluate(system_ranker(whoosh_app), queries)

    schema = None
    if args.pg:
        url, schema = pg_schema_url(args.pg)
        try:
            pg_app = make_app(url, str(tmp / "instance-pg"), "postgres")
            import_file(pg_app, data)
            with pg_app.app_context():
                from forum.search import rebuild_index

                rebuild_index()
            systems["postgres"] = evaluate(system_ranker(pg_app), queries)
            with pg_app.app_context():
                from forum.extensions import db

                db.engine.dispose()
        finally:
            drop_pg_schema(args.pg, schema)
    report_relevance(systems, queries, args.verbose)


def report_relevance(systems: dict, queries: list[dict], verbose: bool) -> None:
    names = list(systems)
    by_kind = defaultdict(list)
    for q in queries:
        by_kind[q["kind"]].append(q["id"])
    print(f"{len(queries)} judged queries, {len(search_data.relevance_rows())} posts in "
          f"{len(search_data.relevance_threads())} threads\n")
    header = "| kind | queries | " + " | ".join(f"nDCG@10 {n}" for n in names) + " | " + \
             " | ".join(f"R@10 {n}" for n in names) + " |"
    print(header)
    print("|" + "---|" * (2 + 2 * len(names)))
    for kind in KINDS + ("all",):
        ids = [q["id"] for q in queries] if kind == "all" else by_kind.get(kind, [])
        if not ids:
            continue
        nd = [statistics.mean(systems[n][i]["ndcg"] for i in ids) for n in names]
        rc = [statistics.mean(systems[n][i]["recall"] for i in ids) for n in names]
        print(f"| {kind} | {len(ids)} | " + " | ".join(f"{v:.3f}" for v in nd) + " | "
              + " | ".join(f"{v:.3f}" for v in rc) + " |")
    if verbose:
        print()
        for q in queries:
            cells = "  ".join(f"{n}={systems[n][q['id']]['ndcg']:.2f}" for n in names)
            print(f"{q['id']} {q['kind']:<12} {q['query']!r:<40} {cells}")
            for n in names:
                print(f"      {n:<14} {systems[n][q['id']]['ranked']}")


# ---------------------------------------------------------------- the 200k forum

def prepare(args) -> None:
    out = Path(args.jsonl or f"/tmp/search-synthetic-{args.posts}.jsonl")
    if not out.exists():
        t0 = time.perf_counter()
        n = search_data.write_jsonl(search_data.synthetic_rows(args.posts), out)
        print(f"generated {n:,} posts in {time.perf_counter() - t0:.0f} s -> {out}", file=sys.stderr)
    app = make_app(args.db, args.instance, args.backend or "")
    t0 = time.perf_counter()
    import_file(app, out)
    print(f"imported in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


def reindex(args) -> None:
    app = make_app(args.db, args.instance, args.backend or "")
    with app.app_context():
        from forum.search import backend_name, rebuild_index

        t0 = time.perf_counter()
        done = rebuild_index()
        elapsed = time.perf_counter() - t0
    print(f"{backend_name_of(app)}: rebuilt {done:,} posts in {elapsed:.1f} s = {done / elapsed:,.0f} posts/s")


def backend_name_of(app) -> str:
    with app.app_context():
        from forum.search import backend_name

        return backend_name()


def latency(args) -> None:
    app = make_app(args.db, args.instance, args.backend or "")
    queries = search_data.latency_queries(args.queries)
    timings: list[float] = []
    cpu: list[float] = []
    totals = []
    if args.no_postings_cache:                 # Whoosh: decode every term's postings again each time
        from forum.search import whoosh_vector

        whoosh_vector._postings_cache.max_bytes = 0
    with app.app_context():
        from forum.extensions import db
        from forum.search import search

        for q in queries:                      # warm-up pass: caches, index files, prepared plans
            search(q, None)
            db.session.remove()
        for _ in range(args.passes):
            for q in queries:
                t0, c0 = time.perf_counter(), time.process_time()
                results = search(q, None)
                timings.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
                totals.append(results.total)
                db.session.remove()
    pairs = list(zip(timings, queries * args.passes))
    timings.sort()
    cpu.sort()
    pct = lambda xs, p: xs[min(len(xs) - 1, int(p / 100 * len(xs)))]  # noqa: E731
    print(f"{backend_name_of(app)}: {len(timings)} searches ({len(queries)} two-word queries x {args.passes}), "
          f"wall median {pct(timings, 50):.1f} ms, p95 {pct(timings, 95):.1f} ms, p99 {pct(timings, 99):.1f} ms; "
          f"this process's CPU median {pct(cpu, 50):.1f} ms, p95 {pct(cpu, 95):.1f} ms; "
          f"median threads found {statistics.median(totals):,.0f}; load average {os.getloadavg()[0]:.1f}")
    if args.show:
        slow = sorted(pairs, reverse=True)[:10]
        for ms, q in slow:
            print(f"  {ms:7.1f} ms  {q}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("relevance")
    rel.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
                     help="PostgreSQL server for the postgres backend ('' to skip)")
    rel.add_argument("--verbose", action="store_true")
    for name in ("prepare", "reindex", "latency"):
        p = sub.add_parser(name)
        p.add_argument("--db", required=True)
        p.add_argument("--instance", required=True)
        p.add_argument("--backend", default="")
        p.add_argument("--posts", type=int, default=200_000)
        p.add_argument("--jsonl")
        p.add_argument("--queries", type=int, default=200)
        p.add_argument("--passes", type=int, default=3)
        p.add_argument("--show", action="store_true")
        p.add_argument("--no-postings-cache", action="store_true",
                       help="latency, Whoosh: keep no decoded postings between queries")
    args = parser.parse_args(argv)
    {"relevance": relevance, "prepare": prepare, "reindex": reindex, "latency": latency}[args.command](args)


if __name__ == "__main__":
    main()
